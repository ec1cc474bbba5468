import { describe, expect, it } from "vitest";
import { DEFAULT_HEARTBEAT_SECONDS, MISSED_BEATS, presenceOf, type PresenceFacts } from "../src/agents/presence";

// Presence with an injected clock: each transition at its boundary.
const seen = Date.UTC(2026, 10, 24, 9, 0, 0);
const facts = (over: Partial<PresenceFacts> = {}): PresenceFacts => ({ halted: false, lastSeenAt: new Date(seen), heartbeatSeconds: null, heartbeatOpen: false, ...over });
const beat = (seconds: number) => seconds * 1000;

describe("presenceOf", () => {
  it.each([
    ["never seen", facts({ lastSeenAt: null }), seen, "idle"],
    ["never seen, even with a session flag", facts({ lastSeenAt: null, heartbeatOpen: true }), seen, "idle"],
    ["just seen", facts(), seen, "live"],
    ["seen exactly at the end of the live window (default interval)", facts(), seen + beat(MISSED_BEATS * DEFAULT_HEARTBEAT_SECONDS), "live"],
    ["1 ms past the live window, no session: idle", facts(), seen + beat(MISSED_BEATS * DEFAULT_HEARTBEAT_SECONDS) + 1, "idle"],
    ["1 ms past the live window, session open: unresponsive", facts({ heartbeatOpen: true }), seen + beat(MISSED_BEATS * DEFAULT_HEARTBEAT_SECONDS) + 1, "unresponsive"],
    ["a 10 s session, 29 s later", facts({ heartbeatOpen: true, heartbeatSeconds: 10 }), seen + beat(29), "live"],
    ["a 10 s session, 31 s later", facts({ heartbeatOpen: true, heartbeatSeconds: 10 }), seen + beat(31), "unresponsive"],
    ["a 10 s session that said it stopped, 31 s later", facts({ heartbeatOpen: false, heartbeatSeconds: 10 }), seen + beat(31), "idle"],
    ["a 600 s session, 20 minutes later", facts({ heartbeatOpen: true, heartbeatSeconds: 600 }), seen + beat(1_200), "live"],
    ["halted, just seen", facts({ halted: true }), seen, "halted"],
    ["halted, unresponsive otherwise", facts({ halted: true, heartbeatOpen: true }), seen + beat(3_600), "halted"],
  ] as const)("%s → %s", (_label, input, now, expected) => {
    expect(presenceOf(input, now)).toBe(expected);
  });
});
