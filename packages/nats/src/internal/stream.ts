/**
 * The JetStream side of a remote channel: one work-queue stream per channel
 * (names.ts), holding at most `capacity` values (`max_msgs` with
 * DiscardNew: a publish beyond it fails with 10077 "maximum messages
 * exceeded", which is how a sender learns the channel is full), and one
 * durable pull consumer shared by every receiver of every process.
 * An unbuffered channel has a stream too, with room for one offer (see
 * sender.ts): it carries the rendezvous and the closed state.
 *
 * Closing is one stream update that replaces the stream's subjects by the
 * `closed` subject: the server applies it atomically with respect to
 * publishes, so a send either landed before the close (and is drained by
 * receivers) or finds no stream and fails with ClosedChannelError. Values
 * already stored stay and are drained. Sealing the stream was rejected: a
 * sealed stream refuses deletes, which an unbuffered sender's withdrawal
 * needs.
 *
 * The description records capacity and codec, so a process that opens the
 * channel with other options gets a clear error instead of a silent mix.
 */
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerInfo,
  type StreamInfo,
} from '@nats-io/jetstream';
import { errors } from '../errors.js';
import { apiCode, type Conn } from './conn.js';
import { chanNames } from './names.js';

const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;
/** How long a receiver may hold a value before it is given to another receiver (ns). */
const ACK_WAIT_NS = 30e9;
const DEDUPE_WINDOW_NS = 120e9;

export interface ChanState {
  closed: boolean;
  /** Values stored and not yet acknowledged (buffered, or offers for unbuffered). */
  messages: number;
}

const describe = (cap: number, codec: string): string => `gocsp channel cap=${cap} codec=${codec}`;

function parseDescription(d: string | undefined): { cap: number; codec: string } | undefined {
  const m = /^gocsp channel cap=(\d+) codec=(\S+)$/.exec(d ?? '');
  return m ? { cap: Number(m[1]), codec: m[2]! } : undefined;
}

/**
 * Opens (creating if needed) the stream and consumer of channel `name`.
 * `capacity` undefined adopts the existing channel's (0 for a new one).
 */
export async function openStream(
  conn: Conn,
  name: string,
  capacity: number | undefined,
  codec: string,
  ackWaitMs: number | undefined,
): Promise<{ cap: number; state: ChanState; consumer: ConsumerInfo }> {
  const n = chanNames(name);
  const jsm = await conn.jsm();
  let info: StreamInfo | undefined;
  for (let attempt = 0; info === undefined; attempt++) {
    try {
      info = await jsm.streams.info(n.stream);
    } catch (e) {
      if (apiCode(e) !== STREAM_NOT_FOUND) throw e;
      const cap = capacity ?? 0;
      try {
        info = await jsm.streams.add({
          name: n.stream,
          subjects: [n.values],
          retention: RetentionPolicy.Workqueue,
          max_msgs: Math.max(1, cap),
          discard: DiscardPolicy.New,
          storage: StorageType.File,
          num_replicas: 1,
          duplicate_window: DEDUPE_WINDOW_NS,
          description: describe(cap, codec),
        });
      } catch (e2) {
        // Another process created it at the same moment: read what it made.
        if (apiCode(e2) !== STREAM_NAME_IN_USE || attempt > 3) throw e2;
      }
    }
  }
  const have = parseDescription(info.config.description);
  if (have === undefined) {
    throw errors.mismatch(name, 'a gocsp channel', `a stream '${n.stream}' not made by gocsp`);
  }
  if (capacity !== undefined && have.cap !== capacity) {
    throw errors.mismatch(name, `capacity ${capacity}`, `capacity ${have.cap}`);
  }
  if (have.codec !== codec) {
    throw errors.mismatch(name, `codec ${codec}`, `codec ${have.codec}`);
  }
  // The shared durable consumer, made once. An existing one is used as it is:
  // adding it again with another ack wait would change it (2.9 treats the add
  // as an update of the editable fields).
  let consumer = await jsm.consumers.info(n.stream, n.consumer).catch(() => undefined);
  consumer ??= await jsm.consumers.add(n.stream, {
    durable_name: n.consumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: ackWaitMs === undefined ? ACK_WAIT_NS : ackWaitMs * 1e6,
    max_ack_pending: -1,
  });
  return { cap: have.cap, state: stateOf(info, name), consumer };
}

function stateOf(info: StreamInfo, name: string): ChanState {
  return {
    closed: !info.config.subjects?.includes(chanNames(name).values),
    messages: info.state.messages,
  };
}

/** The channel's state now (a JetStream API round trip). */
export async function readState(conn: Conn, name: string): Promise<ChanState> {
  const jsm = await conn.jsm();
  try {
    return stateOf(await jsm.streams.info(chanNames(name).stream), name);
  } catch (e) {
    if (apiCode(e) === STREAM_NOT_FOUND) throw errors.deleted(name);
    throw e;
  }
}

/** Closes the channel; false if it was closed already. */
export async function closeStream(conn: Conn, name: string): Promise<boolean> {
  const n = chanNames(name);
  const jsm = await conn.jsm();
  let info: StreamInfo;
  try {
    info = await jsm.streams.info(n.stream);
  } catch (e) {
    if (apiCode(e) === STREAM_NOT_FOUND) throw errors.deleted(name);
    throw e;
  }
  if (stateOf(info, name).closed) return false;
  await jsm.streams.update(n.stream, { ...info.config, subjects: [n.closed] });
  return true;
}

/** Deletes the channel's stream (and every value in it); false if there was none. */
export async function deleteStream(conn: Conn, name: string): Promise<boolean> {
  const jsm = await conn.jsm();
  try {
    return await jsm.streams.delete(chanNames(name).stream);
  } catch (e) {
    if (apiCode(e) === STREAM_NOT_FOUND) return false;
    throw e;
  }
}

/** Pull requests waiting on the channel's consumer (receivers blocked right now), and undelivered values. */
export async function consumerLoad(
  conn: Conn,
  name: string,
): Promise<{ waiting: number; pending: number }> {
  const n = chanNames(name);
  const jsm = await conn.jsm();
  const ci = await jsm.consumers.info(n.stream, n.consumer);
  return { waiting: ci.num_waiting, pending: ci.num_pending };
}

/** Removes one stored message (an unbuffered sender withdrawing its offer); best effort. */
export async function removeMessage(conn: Conn, name: string, seq: number): Promise<void> {
  try {
    const jsm = await conn.jsm();
    await jsm.streams.deleteMessage(chanNames(name).stream, seq, false);
  } catch {
    // already taken (or garbage that the next receiver clears)
  }
}
