/**
 * Names: how a remote channel or a service maps to NATS subjects and
 * JetStream streams. One place, so that every process derives the same
 * names.
 *
 * | what | NATS name |
 * | --- | --- |
 * | channel stream | `GOCSP_CH_<name>` (work queue, one per channel) |
 * | its values | subject `gocsp.ch.<name>.v` |
 * | after close | the stream's subjects become `gocsp.ch.<name>.closed` only |
 * | its events | subject `gocsp.ch.<name>.evt` (core NATS: room, close) |
 * | its consumer | durable `recv` (every receiver of every process shares it) |
 * | a service's calls | subject `gocsp.svc.<service>.call.<task>`, queue group `gocsp.svc.<service>` |
 * | cancel of a call | subject `gocsp.svc.<service>.cancel` (every server hears it) |
 */
import { errors } from '../errors.js';

const NAME = /^[A-Za-z0-9_-]{1,128}$/;

export function checkName(what: string, name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) throw errors.badName(what, name);
  return name;
}

export const chanNames = (name: string) => ({
  stream: `GOCSP_CH_${name}`,
  values: `gocsp.ch.${name}.v`,
  closed: `gocsp.ch.${name}.closed`,
  events: `gocsp.ch.${name}.evt`,
  consumer: 'recv',
});

export const svcNames = (service: string) => ({
  call: `gocsp.svc.${service}.call`,
  /** What a server subscribes to: every task of the service. */
  calls: `gocsp.svc.${service}.call.*`,
  queue: `gocsp.svc.${service}`,
  cancel: `gocsp.svc.${service}.cancel`,
});

/** Headers of gocsp's own messages. */
export const H = {
  /** A rendezvous offer's reply subject: where a receiver asks the sender to take it. */
  offer: 'Gocsp-Offer',
} as const;
