// A channel prints on one line and serialises to JSON (API.md): kind, id (once
// shared), cap, len, closed. Printing a local channel does not share it.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { chan, toShared } from '@gocsp/channels';

describe('inspect and JSON of channels', () => {
  it('local, shared, closed: one line and { kind, ... } JSON', async () => {
    const local = chan<number>(4);
    await local.send(1);
    expect(inspect(local)).toBe('Channel { local: true, cap: 4, len: 1, closed: false }');
    expect(inspect(local)).toBe('Channel { local: true, cap: 4, len: 1, closed: false }'); // still local
    const shared = chan<string>(2);
    toShared(shared);
    await shared.send('x');
    shared.close();
    expect(inspect(shared)).toBe(`Channel { id: ${shared.id}, cap: 2, len: 1, closed: true }`);
    expect(JSON.parse(JSON.stringify({ shared, local }))).toEqual({
      shared: { kind: 'Channel', id: shared.id, cap: 2, len: 1, closed: true },
      local: { kind: 'Channel', local: true, cap: 4, len: 1, closed: false },
    });
  });
});
