/**
 * @gocsp/nats: gocsp's channels and goroutine tasks across processes and
 * machines, over a NATS server (JetStream work-queue streams, request/reply,
 * queue groups). The user brings the connection. This entry only re-exports.
 */

// Remote channels.
export { remoteChan, deleteRemoteChan, RemoteChannel } from './remote-chan.js';
export type { RemoteChanOptions, RemoteOpOptions } from './remote-chan.js';

// Remote goroutine tasks.
export { serveTasks } from './serve.js';
export type { Server, ServeOptions, ServerStats } from './serve.js';
export { remoteTasks } from './remote-tasks.js';
export type { RemoteTaskRefs, RemoteTaskFn, RemoteCallOptions } from './remote-tasks.js';

// Errors (a closed remote channel throws @gocsp/channels' ClosedChannelError).
export { NoRespondersError, ConnectionClosedError, RemoteChannelError } from './errors.js';
