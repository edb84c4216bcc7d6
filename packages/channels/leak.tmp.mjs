import { chan, select, onRecv, onSend } from '@gocsp/channels';
import { substrate } from '@gocsp/core';
const w = substrate.defaultWorld();
const top = () => w.i32[4];
async function measure(name, fn) { await fn(1000); const t0 = top(); await fn(20000); console.log(name, 'heap words grown', top() - t0); }
await measure('buffered send/recv', async (n) => { const c = chan(10); for (let i = 0; i < n; i++) { await c.send(i); await c.recv(); } });
await measure('unbuffered pingpong', async (n) => { const c = chan(); const p = (async () => { for (let i = 0; i < n; i++) await c.recv(); })(); for (let i = 0; i < n; i++) await c.send(i); await p; });
await measure('buffered blocking', async (n) => { const c = chan(2); const p = (async () => { for (let i = 0; i < n; i++) await c.recv(); })(); for (let i = 0; i < n; i++) await c.send(i); await p; });
await measure('select', async (n) => { const a = chan(), b = chan(); const p = (async () => { for (let i = 0; i < n; i++) await select([onRecv(a), onRecv(b)]); })(); for (let i = 0; i < n; i++) await (i % 2 ? a : b).send(i); await p; });
await measure('new chans', async (n) => { for (let i = 0; i < n; i++) { const c = chan(10); await c.send(1); } });
