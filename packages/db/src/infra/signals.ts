import { EventEmitter } from "node:events";
import { Redis } from "ioredis";
import { withTimeout } from "./timeout";
import { dbEnv } from "./env";

/**
 * Signals between API instances, sent after the change they announce has committed. With REDIS_URL
 * they travel over Redis pub/sub to every instance (including the sender); without it they stay in
 * this process, which is all a single instance needs. Signals are hints that make caches fresher:
 * every cache they touch also has its own time bound, so a lost message costs staleness, not safety.
 */
export type Signal =
  | { type: "key.revoked"; keyId: string }
  | { type: "member.changed"; orgId: string; membershipId: string }
  | { type: "policies.changed"; orgId: string }
  | { type: "agent.changed"; orgId: string; agentId: string }
  | { type: "settings.changed"; orgId: string }
  /** The org's own content detectors changed: every screen's copy of them is dropped. */
  | { type: "detectors.changed"; orgId: string }
  | { type: "org.closed"; orgId: string }
  | { type: "approvals.changed"; orgId: string; approvalIds: string[] }
  | { type: "audit.appended"; orgId: string }
  /** Every delegate under one of `delegationIds` (their chains carry the ids) is forgotten by every key cache. */
  | { type: "delegations.revoked"; orgId: string; delegationIds: string[] };

type Handler = (signal: Signal) => void;

const CHANNEL = "gatehouse:signals";

export interface SignalBus {
  readonly transport: "redis" | "local";
  publish(signal: Signal): Promise<void>;
  subscribe(handler: Handler): () => void;
  /** Resolves once the bus receives messages (Redis subscription confirmed). */
  ready(): Promise<void>;
  /** True when Redis answers within `timeoutMs` (the bus never waits longer); always true without Redis. */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

export function createSignalBus(options: { redisUrl?: string; commandTimeoutMs?: number } = {}): SignalBus {
  const local = new EventEmitter();
  local.setMaxListeners(0);
  const deliver = (signal: Signal) => local.emit("signal", signal);
  const subscribe = (handler: Handler) => {
    local.on("signal", handler);
    return () => void local.off("signal", handler);
  };
  if (!options.redisUrl) {
    return {
      transport: "local",
      publish: async (signal) => void deliver(signal),
      subscribe,
      ready: async () => {},
      ping: async () => true,
      close: async () => void local.removeAllListeners(),
    };
  }
  const connection = { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false };
  // A publish or ping never waits longer than this on a Redis that stopped answering (the offline
  // queue is kept for the first connection; a command queued meanwhile also ends at this bound).
  const publisher = new Redis(options.redisUrl, { ...connection, commandTimeout: options.commandTimeoutMs ?? 500 });
  const subscriber = new Redis(options.redisUrl, connection);
  // Connection errors are retried by ioredis; they must not crash the process (observation fails open).
  publisher.on("error", () => {});
  subscriber.on("error", () => {});
  subscriber.on("message", (_channel: string, message: string) => {
    try {
      deliver(JSON.parse(message) as Signal);
    } catch {
      // A malformed message is ignored: signals are hints, and caches are time-bounded anyway.
    }
  });
  const subscribed = subscriber.subscribe(CHANNEL).then(() => undefined);
  subscribed.catch(() => {});
  return {
    transport: "redis",
    publish: async (signal) => {
      await publisher.publish(CHANNEL, JSON.stringify(signal));
    },
    subscribe,
    ready: () => subscribed,
    ping: async (timeoutMs = 1_000) => {
      // Lost and waiting to reconnect: no round trip to wait for. (Still connecting for the first
      // time, or again: the ping waits for the connection, within the bound.)
      if (publisher.status === "reconnecting" || publisher.status === "close" || publisher.status === "end") return false;
      return (
        (await withTimeout(
          publisher.ping().catch(() => ""),
          timeoutMs,
          "",
        )) === "PONG"
      );
    },
    close: async () => {
      local.removeAllListeners();
      await Promise.allSettled([publisher.quit(), subscriber.quit()]);
    },
  };
}

const globalKey = Symbol.for("gatehouse.signals");
type Holder = { [globalKey]?: SignalBus };

/** The process's bus, from REDIS_URL. */
export function signals(): SignalBus {
  const holder = globalThis as Holder;
  const env = dbEnv();
  holder[globalKey] ??= createSignalBus({ ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}), commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS });
  return holder[globalKey];
}

export async function closeSignals(): Promise<void> {
  const holder = globalThis as Holder;
  const bus = holder[globalKey];
  delete holder[globalKey];
  await bus?.close();
}

/**
 * `publishAfterCommit` for a caller that does not wait for it (the group commit's `audit.appended` hint): no timer of
 * its own, since nothing waits on it; the bus's command timeout still ends a publish Redis does not answer.
 */
export function notifyAfterCommit(signal: Signal): void {
  try {
    signals()
      .publish(signal)
      .catch(() => {});
  } catch {
    // Observation: a bus that cannot be made fails open.
  }
}

/** Publishing is observation: a Redis outage must not fail the change that already committed. */
export async function publishAfterCommit(signal: Signal, timeoutMs = 500): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([
    signals()
      .publish(signal)
      .catch(() => {}),
    timeout,
  ]);
  clearTimeout(timer);
}
