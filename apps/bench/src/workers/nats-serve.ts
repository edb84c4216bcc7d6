// A serving process of the NATS benchmarks (a child process, not a worker
// thread): prints "ready" once its subscription is known to the server, then
// serves until SIGTERM.
//   node nats-serve.js gocsp <url> <service> <concurrency>   serveTasks(nats-tasks.js)
//   node nats-serve.js raw <url> <subject>                   hand-written request/reply: add, inline
import { connect } from '@nats-io/transport-node';
import { taskModule } from '@gocsp/core';
import { serveTasks } from '@gocsp/nats';

const [mode, url, name, concurrency] = process.argv.slice(2);
const nc = await connect({ servers: url!, name: `bench-${mode}-${process.pid}` });
if (mode === 'gocsp') {
  const tasks = taskModule<typeof import('./nats-tasks.js')>(
    new URL('./nats-tasks.js', import.meta.url),
  );
  await serveTasks(nc, name!, tasks, { concurrency: Number(concurrency) });
} else {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  nc.subscribe(name!, {
    queue: 'workers',
    callback: (_err, m) => {
      const [a, b] = JSON.parse(dec.decode(m.data)) as [number, number];
      m.respond(enc.encode(JSON.stringify(a + b)));
    },
  });
  await nc.flush();
}
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void nc.close().then(() => process.exit(0));
});
