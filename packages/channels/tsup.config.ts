import { defineConfig } from 'tsup';
import { gocspTsup } from '../../tools/build.mjs';

export default defineConfig(gocspTsup({ entry: ['src/index.ts'] }));
