module gocsp.local/chanref

go 1.19
