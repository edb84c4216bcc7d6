#!/usr/bin/env node
// start: what `npm start` runs - builds the examples tour (and the packages it
// uses) quietly, then runs it with the given arguments. The build's log is
// shown only if the build fails, so `npm start -- --list` prints the list and
// nothing else (npm's own two-line header aside).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nx = path.join(root, 'node_modules', '.bin', 'nx');
const build = spawnSync(
  nx,
  ['run', '@gocsp/examples:build', '--outputStyle=static', '--verbose=false'],
  {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NX_TUI: 'false', NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
  },
);
if (build.status !== 0) {
  process.stderr.write(build.stdout ?? '');
  process.stderr.write(build.stderr ?? '');
  process.stderr.write(
    `\nnpm start: building the examples failed (${build.error?.message ?? `exit code ${build.status}`}); the log is above\n`,
  );
  process.exit(1);
}
const tour = spawnSync(
  process.execPath,
  [path.join(root, 'apps', 'examples', 'dist', 'tour.js'), ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);
process.exit(tour.status ?? 1);
