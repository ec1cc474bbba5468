/**
 * Presence (docs/agents.md, Presence): whether an agent is there. An agent is seen when it calls the
 * API with its key (any call) or sends a heartbeat (`POST /v1/heartbeat`; the TypeScript SDK sends one
 * while a client is in use). A heartbeat opens a session with its interval; the client says when it
 * stops. Pure: the caller passes the clock.
 *
 * - `halted`: a member or the system halted it (whatever else holds);
 * - `live`: seen within MISSED_BEATS intervals (its heartbeat's, else DEFAULT_HEARTBEAT_SECONDS);
 * - `unresponsive`: its heartbeat session is open (no "stopped" came) and it missed MISSED_BEATS beats;
 * - `idle`: otherwise — not seen lately, and nothing said it would be.
 */
export const PRESENCE_STATES = ["live", "idle", "unresponsive", "halted"] as const;
export type Presence = (typeof PRESENCE_STATES)[number];

/** The interval of an agent that never declared one (its calls are its beats), in seconds. */
export const DEFAULT_HEARTBEAT_SECONDS = 30;
/** Beats missed before a session reads as unresponsive (and an agent without one as idle). */
export const MISSED_BEATS = 3;
/** What a heartbeat may declare as its interval, in seconds. */
export const HEARTBEAT_SECONDS = { min: 5, max: 3_600 } as const;

export interface PresenceFacts {
  halted: boolean;
  /** The last call or heartbeat; null when it never called. */
  lastSeenAt: Date | null;
  /** The interval its open heartbeat session declared, in seconds. */
  heartbeatSeconds: number | null;
  /** A heartbeat session is open: the client has not said it stopped. */
  heartbeatOpen: boolean;
}

/** How long after it was last seen the agent stops being live, in ms. */
export function liveForMs(facts: Pick<PresenceFacts, "heartbeatSeconds">): number {
  return MISSED_BEATS * (facts.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS) * 1000;
}

export function presenceOf(facts: PresenceFacts, now: number): Presence {
  if (facts.halted) return "halted";
  if (facts.lastSeenAt && now - facts.lastSeenAt.getTime() <= liveForMs(facts)) return "live";
  return facts.heartbeatOpen && facts.lastSeenAt ? "unresponsive" : "idle";
}
