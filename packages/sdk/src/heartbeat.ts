/** The heartbeats a client sends while it is in use (docs/agents.md in the repository, Presence). */
import { GatehouseError } from "./errors.ts";
import { request, type TransportConfig } from "./request.ts";
import type { Heartbeat } from "./types.ts";

/** Schedules `fn` after `ms`; answers how to cancel it. */
export type SetTimer = (fn: () => void, ms: number) => () => void;

/** A `setTimeout` that never keeps a Node process alive on its own. */
export const defaultSetTimer: SetTimer = (fn, ms) => {
  const timer = setTimeout(fn, ms) as unknown as { unref?: () => void };
  timer.unref?.();
  return () => clearTimeout(timer as unknown as ReturnType<typeof setTimeout>);
};

export const DEFAULT_HEARTBEAT_SECONDS = 30;
/** A client unused this long stops beating (and says so); its next call starts again. */
export const IDLE_AFTER_MS = 5 * 60_000;

/** Sends one heartbeat: `running` keeps the session open, `stopped` closes it. */
export function sendHeartbeat(config: TransportConfig, body: { intervalSeconds?: number; state?: "running" | "stopped" }, signal?: AbortSignal): Promise<Heartbeat> {
  return request<Heartbeat>(config, { method: "POST", path: "/v1/heartbeat", body, signal });
}

/**
 * A client's heartbeat session: the first beat comes one interval after the client's first call (so a
 * script that makes a call or two and exits never opens a session it cannot close), then one per
 * interval while the client was used within IDLE_AFTER_MS, then `stopped` and quiet until the next
 * call. Once a session is open, a Node process that ends by running out of work says `stopped` on its
 * way out (`beforeExit`, looked up without importing anything). Beats are observation: a failed one is
 * dropped, and an answer that the key no longer works (401, 403, 404) ends the session for good.
 */
export class Heartbeats {
  readonly #config: TransportConfig;
  readonly #intervalSeconds: number;
  readonly #setTimer: SetTimer;
  #lastUse = 0;
  #cancel: (() => void) | undefined;
  /** A `running` beat was sent and no `stopped` since. */
  #open = false;
  #ended = false;
  #exitHooked = false;

  constructor(config: TransportConfig, intervalSeconds: number, setTimer: SetTimer) {
    // The beats' own requests are not uses of the client.
    const { onUse: _ignored, ...quiet } = config;
    this.#config = { ...quiet, maxRetries: 0 };
    this.#intervalSeconds = intervalSeconds;
    this.#setTimer = setTimer;
  }

  /** The client made a call: start the clock towards the next beat if it was not running. */
  use(): void {
    this.#lastUse = this.#config.now();
    if (this.#cancel === undefined && !this.#ended) this.#schedule();
  }

  /** Stops beating and tells the server the client is done (when a session was open). */
  async stop(): Promise<void> {
    this.#cancel?.();
    this.#cancel = undefined;
    if (this.#open && !this.#ended) await this.#send("stopped");
  }

  #schedule(): void {
    this.#cancel = this.#setTimer(() => this.#tick(), this.#intervalSeconds * 1000);
  }

  #tick(): void {
    this.#cancel = undefined;
    if (this.#config.now() - this.#lastUse >= IDLE_AFTER_MS) {
      if (this.#open) void this.#send("stopped");
      return;
    }
    void this.#send("running");
    this.#hookExit();
    this.#schedule();
  }

  /** A Node process that runs out of work says `stopped` on its way out (once; nothing to import). */
  #hookExit(): void {
    if (this.#exitHooked) return;
    this.#exitHooked = true;
    const runtime = (globalThis as { process?: { once?: (event: string, listener: () => void) => unknown } }).process;
    runtime?.once?.("beforeExit", () => void this.stop());
  }

  async #send(state: "running" | "stopped"): Promise<void> {
    this.#open = state === "running";
    try {
      await sendHeartbeat(this.#config, { intervalSeconds: this.#intervalSeconds, state });
    } catch (error) {
      if (error instanceof GatehouseError && (error.status === 401 || error.status === 403 || error.status === 404)) {
        this.#ended = true;
        this.#cancel?.();
        this.#cancel = undefined;
      }
    }
  }
}
