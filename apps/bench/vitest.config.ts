import { defineConfig } from 'vitest/config';
import { gocspTest } from '../../tools/vitest.mjs';

export default defineConfig({ test: gocspTest() });
