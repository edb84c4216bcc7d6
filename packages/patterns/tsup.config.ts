import { defineConfig } from 'tsup';
import { gocspTsup } from '../../tools/build.mjs';

// rxjs stays external: it is an optional peer, loaded only by the ./rxjs entry.
export default defineConfig(
  gocspTsup({ entry: ['src/index.ts', 'src/rxjs.ts'], external: ['rxjs'] }),
);
