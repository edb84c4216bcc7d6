// test/chan/select5.go generates a program per combination of: operation
// (send or receive), channel kind (unbuffered, buffered), whether the
// operation can proceed now, how it is written (plain op, select with one
// case, with an extra nil case, with a dummy never-ready case, with default),
// and checks what happens. This is the same generator, run in place.
import { describe, expect, it } from 'vitest';
import { chan, onDefault, onRecv, onSend, select, type Channel } from '@gocsp/channels';

type Form = 'plain' | 'select' | 'select+nil' | 'select+dummy' | 'select+default';
const FORMS: Form[] = ['plain', 'select', 'select+nil', 'select+dummy', 'select+default'];

async function settles(p: Promise<unknown>, ms = 15): Promise<boolean> {
  const t = Symbol();
  return (
    (await Promise.race([p.then(() => 1), new Promise((r) => setTimeout(() => r(t), ms))])) !== t
  );
}

function recvVia(form: Form, c: Channel<number>): Promise<unknown> {
  const dummy = chan<number>();
  switch (form) {
    case 'plain':
      return c.recv();
    case 'select':
      return select([onRecv(c, (v) => v)]);
    case 'select+nil':
      return select([onRecv(null, () => 'nil'), onRecv(c, (v) => v)]);
    case 'select+dummy':
      return select([onRecv(dummy, () => 'dummy'), onRecv(c, (v) => v)]);
    case 'select+default':
      return select([onRecv(c, (v) => v), onDefault(() => 'default')]);
  }
}

function sendVia(form: Form, c: Channel<number>, v: number): Promise<unknown> {
  const dummy = chan<number>();
  switch (form) {
    case 'plain':
      return c.send(v).then(() => 'sent');
    case 'select':
      return select([onSend(c, v, () => 'sent')]);
    case 'select+nil':
      return select([onSend(null, 0, () => 'nil'), onSend(c, v, () => 'sent')]);
    case 'select+dummy':
      return select([onSend(dummy, 0, () => 'dummy'), onSend(c, v, () => 'sent')]);
    case 'select+default':
      return select([onSend(c, v, () => 'sent'), onDefault(() => 'default')]);
  }
}

describe('test/chan/select5.go (generated combinations)', () => {
  for (const op of ['recv', 'send'] as const) {
    for (const cap of [0, 1]) {
      for (const ready of [true, false]) {
        for (const form of FORMS) {
          it(`${op} on cap ${cap}, ${ready ? 'ready' : 'not ready'}, ${form}`, async () => {
            const c = chan<number>(cap);
            let partner: Promise<unknown> | undefined;
            if (op === 'recv') {
              if (ready) partner = c.send(7); // buffered: completes at once; unbuffered: waits for us
              if (cap > 0 && ready) await partner;
              const p = recvVia(form, c);
              if (ready) expect(await p).toBe(7);
              else if (form === 'select+default') expect(await p).toBe('default');
              else {
                expect(await settles(p)).toBe(false);
                await c.send(8); // now it must complete, with that value
                expect(await p).toBe(8);
              }
            } else {
              if (ready) partner = cap > 0 ? Promise.resolve() : c.recv();
              if (!ready && cap > 0) await c.send(0); // fill the buffer
              const p = sendVia(form, c, 9);
              if (ready) {
                expect(await p).toBe('sent');
                expect(cap > 0 ? await c.recv() : await partner).toBe(9);
              } else if (form === 'select+default') {
                expect(await p).toBe('default');
                expect(c.len).toBe(cap); // nothing was sent
              } else {
                expect(await settles(p)).toBe(false);
                if (cap > 0) expect(await c.recv()).toBe(0);
                expect(await c.recv()).toBe(9);
                expect(await p).toBe('sent');
              }
            }
            await partner;
          });
        }
      }
    }
  }
});
