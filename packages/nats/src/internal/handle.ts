/**
 * What the sender and the receiver of one remote channel handle share: the
 * connection, names, capacity and codec, the channel's events (core NATS,
 * `gocsp.ch.<name>.evt`), and the last known state.
 *
 * Events are hints, never the truth: core NATS delivers them at most once,
 * so every wait that listens for one also re-checks the stream on a timer.
 *
 * | event | sent by | means |
 * | --- | --- | --- |
 * | `w` | a sender that found the channel full | "tell me when there is room" (for WANT_MS) |
 * | `r` | a receiver, after taking values, while someone wants room (once per event-loop turn) | there may be room now |
 * | `c` | the process that closed the channel | re-read the state: closed |
 *
 * Room events are sent only while a sender said it waits: a stream that
 * never fills costs no event per value.
 */
import type { Subscription } from '@nats-io/transport-node';
import type { ConsumerInfo } from '@nats-io/jetstream';
import type { Codec } from '@gocsp/core';
import { errors } from '../errors.js';
import type { Conn } from './conn.js';
import { chanNames } from './names.js';
import { readState, type ChanState } from './stream.js';

const enc = new TextEncoder();
const ROOM = enc.encode('r');
const CLOSED = enc.encode('c');
const WANT = enc.encode('w');
/** How long after a sender's `w` receivers announce room. */
const WANT_MS = 5000;
/** `len` is refreshed in the background when read, at most this often. */
const LEN_REFRESH_MS = 100;

export class Handle<T> {
  readonly names: ReturnType<typeof chanNames>;
  /** Known to be closed (never goes back to false). */
  closed = false;
  /** Set once the connection closed: every operation fails with it. */
  failure: Error | undefined;
  len = 0;
  private lenAt = 0;
  private lenLoading = false;
  private sub: Subscription | undefined;
  private roomWaiters = new Set<() => void>();
  private closeListeners = new Set<() => void>();
  private roomQueued = false;
  /** When a sender (any process) last said it waits for room; -Infinity if never. */
  private wantedAt = -Infinity;
  /** When this handle last sent `w`. */
  private wantSentAt = -Infinity;
  private readonly unClose: () => void;

  constructor(
    readonly conn: Conn,
    readonly name: string,
    readonly cap: number,
    readonly codec: Codec<T>,
    state: ChanState,
    /** The shared consumer as it was at open (pulls bind to it without a lookup). */
    readonly consumerInfo: ConsumerInfo,
  ) {
    this.names = chanNames(name);
    this.note(state);
    this.unClose = conn.onClose(() => {
      this.failure = errors.connectionClosed(`remote channel '${name}'`);
      this.wakeAll();
    });
  }

  /** Records a state read from the server. */
  note(state: ChanState): void {
    if (state.closed && !this.closed) {
      this.closed = true;
      this.wakeAll();
    }
    this.len = this.cap === 0 ? 0 : Math.min(this.cap, state.messages);
    this.lenAt = performance.now();
  }

  /** Reads the state from the server (and wakes whoever waits on a change). */
  async refresh(): Promise<ChanState> {
    const s = await readState(this.conn, this.name);
    this.note(s);
    return s;
  }

  /** The last known count; starts a background refresh if it is old. */
  recentLen(): number {
    if (!this.lenLoading && !this.conn.closed && performance.now() - this.lenAt > LEN_REFRESH_MS) {
      this.lenLoading = true;
      this.refresh()
        .catch(() => {})
        .finally(() => {
          this.lenLoading = false;
        });
    }
    return this.len;
  }

  /** Subscribes to the channel's events on first use. */
  private listen(): void {
    if (this.sub !== undefined || this.conn.closed) return;
    this.sub = this.conn.nc.subscribe(this.names.events, {
      callback: (_err, msg) => {
        const kind = msg.data[0];
        if (kind === CLOSED[0]) {
          this.refresh().catch(() => {});
          this.wakeAll();
        } else if (kind === ROOM[0]) {
          this.wakeRoom();
        } else if (kind === WANT[0]) {
          this.wantedAt = performance.now();
        }
      },
    });
  }

  /**
   * Resolves at the next room event, after `ms` at the latest, or rejects
   * with the signal's reason; never keeps the process alive by itself.
   */
  waitRoom(ms: number, signal: AbortSignal | undefined): Promise<void> {
    this.listen();
    // Ask receivers (every process) to announce room for a while.
    if (!this.conn.closed && performance.now() - this.wantSentAt > WANT_MS / 2) {
      this.wantSentAt = performance.now();
      try {
        this.conn.nc.publish(this.names.events, WANT);
      } catch {
        // closing: the timer below still retries
      }
    }
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.roomWaiters.delete(done);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        clearTimeout(timer);
        this.roomWaiters.delete(done);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the signal's reason, as is
        reject(signal!.reason);
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.roomWaiters.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Runs `fn` when the channel is seen closed or the connection fails; returns an unregister function. */
  onCloseEvent(fn: () => void): () => void {
    this.listen();
    this.closeListeners.add(fn);
    return () => this.closeListeners.delete(fn);
  }

  private wakeRoom(): void {
    for (const w of [...this.roomWaiters]) w();
  }

  private wakeAll(): void {
    this.wakeRoom();
    for (const fn of [...this.closeListeners]) fn();
  }

  /** Tells blocked senders (all processes) that values were taken; once per event-loop turn. */
  announceRoom(): void {
    if (this.roomQueued || this.conn.closed) return;
    if (performance.now() - this.wantedAt > WANT_MS) return; // nobody waits for room
    this.roomQueued = true;
    setImmediate(() => {
      this.roomQueued = false;
      try {
        if (!this.conn.closed) this.conn.nc.publish(this.names.events, ROOM);
      } catch {
        // closing
      }
    });
  }

  /** Tells every process that the channel was closed. */
  announceClosed(): void {
    try {
      if (!this.conn.closed) this.conn.nc.publish(this.names.events, CLOSED);
    } catch {
      // closing: the others see the closed stream on their next check
    }
    this.closed = true;
    this.wakeAll();
  }

  /** The error an operation fails with now, if any. */
  check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  dispose(): void {
    this.unClose();
    this.sub?.unsubscribe();
    this.sub = undefined;
  }
}
