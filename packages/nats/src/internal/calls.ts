/**
 * The wire protocol of remote task calls (core NATS request/reply with a
 * queue group; no JetStream), shared by the server (serve.ts) and the
 * caller (remote-tasks.ts).
 *
 * | message | subject | payload |
 * | --- | --- | --- |
 * | call | `gocsp.svc.<service>.call.<fn>`, reply `<prefix>.c.<callId>` | args (structured codec) |
 * | result | the call's reply subject | one kind byte (OK / ERR / RETRY), then the result / error record |
 * | heartbeat | `<prefix>.hb` | call ids held by one server, `\n`-separated |
 * | cancel | `gocsp.svc.<service>.cancel` (every server) | call id |
 *
 * No headers: the task name is in the subject and the call id in the reply
 * subject (measured: building and parsing headers was a visible part of a
 * small call's cost).
 *
 * Why it holds:
 * - At-least-once execution: a caller that hears nothing about a call for
 *   HB_TIMEOUT_MS (no result, no heartbeat) sends it again with the same id;
 *   the queue group gives it to a live server. A server heartbeats every
 *   call it holds (queued or running) each HB_MS, so a call is resent only
 *   when its server died, was cut off, or lost the call.
 * - Exactly-once result: the caller settles a call once, by id, and drops
 *   whatever arrives for it later (a second run's result, a heartbeat).
 * - A server that gets a call id it already holds ignores it (its heartbeat
 *   covers it); one it finished recently answers it again from a small
 *   cache, so a lost result costs no second run.
 * - No server: the call is a request with a reply subject, so the NATS server
 *   answers a 503 status at once when nobody is subscribed
 *   (NoRespondersError), never a silent wait.
 */
export const HB_MS = 1000;
export const HB_TIMEOUT_MS = 3500;
export const RESULT_KEEP_MS = 30_000;

export const KIND_OK = 1;
export const KIND_ERR = 2;
/** The server stopped before running the call: send it again at once. */
export const KIND_RETRY = 3;

/** A result message: the kind byte, then `data`. */
export function resultPayload(kind: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + 1);
  out[0] = kind;
  out.set(data, 1);
  return out;
}

/** `<prefix>.c.<callId>` -> [prefix, callId]; undefined for anything else. */
export function splitReply(reply: string): [string, string] | undefined {
  const i = reply.lastIndexOf('.c.');
  if (i < 0) return undefined;
  return [reply.slice(0, i), reply.slice(i + 3)];
}

/** Task names callers may use: a JavaScript identifier, not a promise's or an object's own. */
export function isTaskName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    /^[A-Za-z_$][\w$]{0,127}$/.test(name) &&
    name !== 'then' &&
    name !== 'constructor' &&
    name !== '__proto__'
  );
}
