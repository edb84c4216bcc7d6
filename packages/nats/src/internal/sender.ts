/**
 * The send side of a remote channel handle.
 *
 * Buffered: a send is one JetStream publish into the channel's stream, with
 * a message id (the stream drops a second copy within its 2-minute
 * duplicate window, so a publish retried after a timeout or a server
 * restart stores the value once). The stream refuses a value beyond
 * `capacity` (10077): the send then waits for a room event or a short timer
 * and tries again - that is the blocking. It resolves once the server stored
 * the value (Go: the value is in the buffer).
 *
 * Unbuffered: a send is an *offer*. The value is published into the
 * channel's one-slot stream with the sender's reply subject (header
 * `Gocsp-Offer`); a receiver that pulls it asks the sender to take it, and
 * the sender - the one authority on its offer - answers 'y' exactly once,
 * to the first asker ('y' again to a retry of that same asker), and 'n' to
 * everyone else and to everyone after a withdrawal. So the value is taken at
 * most once, and the send resolves only once a receiver took it (Go's
 * rendezvous). Withdrawal = abort or close: later asks get 'n', and the
 * offer's message is deleted (best effort; a receiver that meets it anyway
 * clears it).
 *
 * ## States of an offer (owned by this handle, on this thread)
 * | state | meaning | next |
 * | --- | --- | --- |
 * | `offered` | published or being published, nobody took it | `taken`, `withdrawn` |
 * | `taken` | answered 'y' to `takenBy` | final |
 * | `withdrawn` | aborted or closed: answers 'n' | final |
 */
import { headers, type Subscription } from '@nats-io/transport-node';
import { errors } from '../errors.js';
import { apiCode, isNoResponders, isTransient, pause } from './conn.js';
import type { Handle } from './handle.js';
import { H } from './names.js';
import { consumerLoad, removeMessage, type ChanState } from './stream.js';
import { encodeValue } from './values.js';

const FULL = 10077;
const PUBLISH_TIMEOUT_MS = 5000;
/** Longest pause between two tries of a blocked send (room events usually come first). */
const MAX_ROOM_WAIT_MS = 100;
/** How often a waiting offer re-reads the channel's state (in case a close event was lost). */
const OFFER_CHECK_MS = 2000;
/** How long a taken offer still answers a retried ask. */
const TAKEN_KEEP_MS = 30_000;
/** trySend on an unbuffered channel: how long a receiver has to take the offer. */
const TRY_OFFER_MS = 250;

const enc = new TextEncoder();
const dec = new TextDecoder();
const YES = enc.encode('y');
const NO = enc.encode('n');

interface Offer {
  state: 'offered' | 'taken' | 'withdrawn';
  takenBy?: string;
  taken: () => void;
}

let nextId = 0;

export class Sender<T> {
  private inbox: string | undefined;
  private sub: Subscription | undefined;
  private readonly offers = new Map<string, Offer>();
  /** Stream seqs of this handle's stored offers, by offer id (to delete a withdrawn one). */
  private readonly stored = new Map<string, number>();

  constructor(private readonly h: Handle<T>) {}

  /** Go's `ch <- v`: resolves once stored (buffered) or taken (unbuffered). */
  async send(v: T, signal?: AbortSignal): Promise<void> {
    this.h.check();
    signal?.throwIfAborted();
    const bytes = encodeValue(this.h.codec, v);
    if (this.h.cap > 0) {
      await this.publish(bytes, signal, undefined);
      return;
    }
    await this.offer(bytes, signal);
  }

  /** Non-blocking send: false when the channel is full (buffered) or no receiver took it at once. */
  async trySend(v: T): Promise<boolean> {
    this.h.check();
    const bytes = encodeValue(this.h.codec, v);
    if (this.h.cap > 0) return (await this.publish(bytes, undefined, undefined, true)) > 0;
    // Unbuffered: only if a receiver is waiting now, and takes it at once.
    const load = await consumerLoad(this.h.conn, this.h.name);
    if (load.waiting === 0) {
      if (this.h.closed || (await this.h.refresh()).closed) throw errors.sendOnClosed();
      return false;
    }
    const ac = new AbortController();
    const t = setTimeout(() => ac.abort(), TRY_OFFER_MS);
    t.unref();
    try {
      await this.offer(bytes, ac.signal);
      return true;
    } catch (e) {
      if (ac.signal.aborted && e === ac.signal.reason) return false;
      throw e;
    } finally {
      clearTimeout(t);
    }
  }

  /**
   * Publishes until stored; the stream seq once stored. A full channel waits
   * for room (or returns 0 with `once`); a closed one throws ClosedChannelError.
   */
  private async publish(
    bytes: Uint8Array,
    signal: AbortSignal | undefined,
    offerTo: string | undefined,
    once = false,
  ): Promise<number> {
    const msgID = `${this.h.name}.${process.pid}.${Date.now()}.${nextId++}.${Math.random()}`;
    const hdrs = offerTo === undefined ? undefined : headers();
    if (offerTo !== undefined) hdrs!.set(H.offer, offerTo);
    let uncertain = false;
    for (let tries = 0; ; tries++) {
      if (this.h.failure !== undefined) {
        throw errors.connectionClosed(
          `send on remote channel '${this.h.name}'`,
          uncertain ? 'unknown' : 'no',
        );
      }
      try {
        const ack = await this.h.conn.js.publish(this.h.names.values, bytes, {
          msgID,
          headers: hdrs,
          timeout: PUBLISH_TIMEOUT_MS,
        });
        return ack.seq;
      } catch (e) {
        if (apiCode(e) === FULL) {
          if (once) return 0;
          await this.h.waitRoom(Math.min(MAX_ROOM_WAIT_MS, 5 * (tries + 1)), signal);
          continue;
        }
        if (isNoResponders(e)) {
          // No stream takes the subject: closed (or deleted: refresh throws
          // that), or a restarting server whose JetStream is not up yet - then
          // the state read times out too, and the send tries again.
          if ((await this.refreshUnlessTransient())?.closed === true) throw errors.sendOnClosed();
          await pause(50);
          continue;
        }
        if (isTransient(e) && !this.h.conn.closed) {
          // Maybe stored, maybe not: the same message id makes the retry safe.
          uncertain = true;
          if (signal?.aborted) throw signal.reason;
          await pause(Math.min(1000, 50 * (tries + 1)));
          continue;
        }
        if (this.h.conn.closed) continue; // reported at the top of the loop
        throw e;
      }
    }
  }

  /** The channel's state, or undefined if the server could not say yet (a transient failure). */
  private async refreshUnlessTransient(): Promise<ChanState | undefined> {
    try {
      return await this.h.refresh();
    } catch (e) {
      if ((isTransient(e) || isNoResponders(e)) && !this.h.conn.closed) return undefined;
      throw e;
    }
  }

  /** Unbuffered send: publish an offer, then wait until a receiver takes it (or withdraw). */
  private async offer(bytes: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    const inbox = this.listen();
    const id = String(nextId++);
    let taken!: () => void;
    const takenP = new Promise<void>((resolve) => (taken = resolve));
    const offer: Offer = { state: 'offered', taken };
    this.offers.set(id, offer);
    const withdraw = (): boolean => {
      if (offer.state !== 'offered') return false;
      offer.state = 'withdrawn';
      this.offers.delete(id);
      return true;
    };
    try {
      // The one slot may hold another sender's offer: publish waits for room.
      const seq = await this.publish(bytes, signal, `${inbox}.${id}`);
      this.stored.set(id, seq);
    } catch (e) {
      // A publish that failed left no offer behind - unless one was stored and
      // already taken meanwhile (then the send happened).
      if (offer.state === 'taken') return;
      withdraw();
      throw e;
    }
    if (offer.state === 'taken') return;
    // Wait for a taker, an abort, a close, or the connection's end.
    await new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        unClose();
      };
      const giveUp = (err: unknown): void => {
        if (!withdraw()) return; // taken first: the send happened
        finish();
        void this.clearOffer(id);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the signal's reason, or a typed error
        reject(err);
      };
      const onAbort = (): void => giveUp(signal!.reason);
      const onChange = (): void => {
        if (this.h.failure !== undefined) giveUp(this.h.failure);
        else if (this.h.closed) giveUp(errors.sendOnClosed());
      };
      const unClose = this.h.onCloseEvent(onChange);
      signal?.addEventListener('abort', onAbort, { once: true });
      const check = (): void => {
        timer = setTimeout(() => {
          this.h
            .refresh()
            .then(onChange, (e: unknown) => {
              if (!isTransient(e)) giveUp(e);
            })
            .finally(() => {
              if (offer.state === 'offered') check();
            });
        }, OFFER_CHECK_MS);
        timer.unref();
      };
      check();
      void takenP.then(() => {
        this.stored.delete(id);
        finish();
        resolve();
      });
      onChange();
    });
  }

  /** Deletes a withdrawn offer's message if it is still stored (best effort). */
  private async clearOffer(id: string): Promise<void> {
    const seq = this.stored.get(id);
    this.stored.delete(id);
    if (seq !== undefined) await removeMessage(this.h.conn, this.h.name, seq);
  }

  /** This handle's inbox for asks ("take my offer?"), subscribed on first use. */
  private listen(): string {
    if (this.inbox !== undefined) return this.inbox;
    const inbox = `_INBOX.gocsp.${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
    this.inbox = inbox;
    this.sub = this.h.conn.nc.subscribe(`${inbox}.*`, {
      callback: (_err, msg) => {
        const id = msg.subject.slice(inbox.length + 1);
        const token = dec.decode(msg.data);
        const offer = this.offers.get(id);
        let yes = false;
        if (offer !== undefined) {
          if (offer.state === 'offered') {
            offer.state = 'taken';
            offer.takenBy = token;
            setTimeout(() => this.offers.delete(id), TAKEN_KEEP_MS).unref();
            offer.taken();
            yes = true;
          } else if (offer.state === 'taken' && offer.takenBy === token) {
            yes = true;
          }
        }
        try {
          msg.respond(yes ? YES : NO);
        } catch {
          // connection closing
        }
      },
    });
    return inbox;
  }

  dispose(): void {
    this.sub?.unsubscribe();
    this.sub = undefined;
    for (const [id, offer] of this.offers) {
      if (offer.state === 'offered') offer.state = 'withdrawn';
      this.offers.delete(id);
    }
  }
}
