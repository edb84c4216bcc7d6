// Types of tools/nats-server.mjs.
import type { ChildProcess } from 'node:child_process';

/** What to tell a user without a server. */
export const INSTALL_HINT: string;

/** The nats-server binary, or undefined (GOCSP_NATS_SERVER names one, or `none`). */
export function findNatsServer(): string | undefined;

/** A free TCP port of 127.0.0.1. */
export function freePort(): Promise<number>;

/** A nats-server this process started. */
export interface RunningServer {
  url: string;
  port: number;
  dir: string;
  readonly proc: ChildProcess;
  /** Stops it (SIGTERM, then SIGKILL after 5 s); the store dir is kept for a restart. */
  stop(): Promise<void>;
  /** Starts it again on the same port and store dir. */
  restart(): Promise<void>;
  /** Stops it and removes its store dir. */
  dispose(): Promise<void>;
}

/** Starts a nats-server with JetStream on a free port of 127.0.0.1 and a temporary store dir. */
export function startNatsServer(bin: string, port?: number, dir?: string): Promise<RunningServer>;
