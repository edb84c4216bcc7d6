// Command chanref measures Go's channels on this machine: the reference
// figures of issue 14 (int32 stream through a buffered channel, unbuffered
// ping-pong), and what they cost when the two goroutines really run on two
// threads. See ../README.md, "Go reference".
//
//	GOMAXPROCS=2 go run .          # Go's own scheduling
//	GOMAXPROCS=2 go run . -locked  # each goroutine on an OS thread of its own
//
// "cores busy" is the process's CPU time over the wall time: about 1 means
// the two goroutines took turns on one thread (one fills the buffer, the
// other drains it), about 2 that they ran side by side.
package main

import (
	"flag"
	"fmt"
	"runtime"
	"sort"
	"syscall"
	"time"
)

var locked = flag.Bool("locked", false, "run each goroutine on an OS thread of its own (runtime.LockOSThread)")

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// stream sends n int32 through a buffered channel of 1024 to a consumer
// goroutine: million messages per second, and cores busy.
func stream(n int) (float64, float64) {
	ch := make(chan int32, 1024)
	done := make(chan int64)
	go func() {
		if *locked {
			runtime.LockOSThread()
		}
		var s int64
		for i := 0; i < n; i++ {
			s += int64(<-ch)
		}
		done <- s
	}()
	c0, t0 := cpuTime(), time.Now()
	for i := 0; i < n; i++ {
		ch <- int32(i)
	}
	if s := <-done; s != int64(n)*int64(n-1)/2 {
		panic("stream: wrong sum")
	}
	el := time.Since(t0)
	return float64(n) / el.Seconds() / 1e6, float64(cpuTime()-c0) / float64(el)
}

// pingpong bounces a counter n times over two unbuffered channels:
// microseconds per round trip, and cores busy.
func pingpong(n int) (float64, float64) {
	a, b := make(chan int32), make(chan int32)
	go func() {
		if *locked {
			runtime.LockOSThread()
		}
		for i := 0; i < n; i++ {
			b <- <-a
		}
	}()
	c0, t0 := cpuTime(), time.Now()
	for i := 0; i < n; i++ {
		a <- int32(i)
		if <-b != int32(i) {
			panic("pingpong: wrong value back")
		}
	}
	el := time.Since(t0)
	return float64(el.Nanoseconds()) / float64(n) / 1000, float64(cpuTime()-c0) / float64(el)
}

// sorted returns a sorted copy of xs.
func sorted(xs []float64) []float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s
}

func report(name, unit string, n int, f func(int) (float64, float64)) {
	var xs, busy []float64
	f(n / 10) // warm-up
	for r := 0; r < 7; r++ {
		x, b := f(n)
		xs = append(xs, x)
		busy = append(busy, b)
	}
	s, b := sorted(xs), sorted(busy)
	fmt.Printf("%-9s GOMAXPROCS=%d locked=%-5v median %7.3f %s (min %.3f, max %.3f), cores busy %.2f\n",
		name, runtime.GOMAXPROCS(0), *locked, s[len(s)/2], unit, s[0], s[len(s)-1], b[len(b)/2])
}

func main() {
	flag.Parse()
	if *locked {
		runtime.LockOSThread()
	}
	streamN, tripsN := 6_000_000, 1_000_000
	if *locked { // every hand-off is a futex wake-up: fewer of them
		streamN, tripsN = 2_000_000, 100_000
	}
	report("stream", "M msg/s", streamN, stream)
	report("pingpong", "us/round trip", tripsN, pingpong)
}
