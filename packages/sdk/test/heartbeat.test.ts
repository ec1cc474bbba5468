import { describe, expect, it } from "vitest";
import { Gatehouse } from "../src/client.ts";
import { API_KEY, apiError, executed, json, scriptedFetch, type Reply } from "./helpers.ts";

// The heartbeats a client sends while it is in use (docs/agents.md, Presence), with an injected clock
// and timer: the first beat one interval after the first call (a one-call script opens no session),
// then one per interval while the client was used in the last 5 minutes, then `stopped`; close() says
// it is done; a refused key ends the session.
const beat = (state = "running", intervalSeconds = 30) => ({ intervalSeconds, state });
const answer = () =>
  json(200, { agentId: "agt_1", presence: "live", lastSeenAt: "2026-11-24T00:00:00Z", session: "open", nextHeartbeatSeconds: 30, liveUntil: "2026-11-24T00:01:30Z" });

function harness(replies: Reply[], heartbeat?: false | { intervalSeconds?: number }) {
  let now = Date.parse("2026-11-24T09:00:00Z");
  const timers: Array<{ fn: () => void; at: number; cancelled: boolean }> = [];
  const { fetch, calls } = scriptedFetch(replies);
  const gatehouse = new Gatehouse(
    { apiKey: API_KEY, fetch, ...(heartbeat === undefined ? {} : { heartbeat }) },
    {
      now: () => now,
      setTimer: (fn, ms) => {
        const timer = { fn, at: now + ms, cancelled: false };
        timers.push(timer);
        return () => void (timer.cancelled = true);
      },
    },
  );
  /** Moves the clock and fires the timers that came due, as a runtime would. */
  const advance = async (ms: number) => {
    now += ms;
    for (const timer of timers.filter((t) => !t.cancelled && t.at <= now)) {
      timer.cancelled = true;
      timer.fn();
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  const beats = () => calls.filter((c) => c.url.endsWith("/v1/heartbeat")).map((c) => c.body);
  return { gatehouse, calls, advance, beats, pending: () => timers.filter((t) => !t.cancelled).length };
}

describe("heartbeats while a client is in use", () => {
  it("beat one interval after the client's first call, then every interval while it is used", async () => {
    const h = harness([json(200, executed), answer(), json(200, executed), answer()]);
    await h.gatehouse.execute("pr.open");
    expect(h.beats()).toEqual([]);
    await h.advance(30_000);
    expect(h.beats()).toEqual([beat()]);
    await h.gatehouse.execute("pr.open");
    await h.advance(30_000);
    expect(h.beats()).toEqual([beat(), beat()]);
    expect(h.calls.filter((c) => c.url.endsWith("/v1/heartbeat")).every((c) => c.init.method === "POST")).toBe(true);
  });

  it("a script that calls and is done within the interval opens no session (close() then sends nothing)", async () => {
    const h = harness([json(200, executed)]);
    await h.gatehouse.execute("pr.open");
    await h.gatehouse.close();
    await h.advance(60_000);
    expect(h.beats()).toEqual([]);
  });

  it("stop, saying so, once the client was not used for 5 minutes; the next call starts them again", async () => {
    const replies: Reply[] = [json(200, executed)];
    for (let i = 0; i < 10; i += 1) replies.push(answer());
    replies.push(json(200, executed), answer());
    const h = harness(replies);
    await h.gatehouse.execute("pr.open");
    for (let i = 0; i < 10; i += 1) await h.advance(30_000);
    expect(h.beats().at(-1)).toEqual(beat("stopped"));
    expect(h.beats()).toHaveLength(10);
    expect(h.pending()).toBe(0);
    await h.gatehouse.execute("pr.open");
    await h.advance(30_000);
    expect(h.beats().at(-1)).toEqual(beat());
  });

  it("close() stops them and sends a stopped beat; a client never used sends nothing", async () => {
    const h = harness([json(200, executed), answer(), answer()]);
    await h.gatehouse.execute("pr.open");
    await h.advance(30_000);
    await h.gatehouse.close();
    expect(h.beats()).toEqual([beat(), beat("stopped")]);
    expect(h.pending()).toBe(0);
    const quiet = harness([]);
    await quiet.gatehouse.close();
    expect(quiet.calls).toHaveLength(0);
  });

  it("follow the interval asked for, and none are sent with heartbeat: false", async () => {
    const h = harness([json(200, executed), answer(), answer()], { intervalSeconds: 10 });
    await h.gatehouse.execute("pr.open");
    await h.advance(10_000);
    await h.advance(10_000);
    expect(h.beats()).toEqual([beat("running", 10), beat("running", 10)]);
    const off = harness([json(200, executed)], false);
    await off.gatehouse.execute("pr.open");
    await off.advance(60_000);
    expect(off.beats()).toEqual([]);
  });

  it("end for good when the key is refused; a failed beat is dropped and never fails a call", async () => {
    const h = harness([json(200, executed), apiError(401, "UNAUTHENTICATED")]);
    await h.gatehouse.execute("pr.open");
    await h.advance(30_000);
    await h.advance(30_000);
    await h.advance(30_000);
    expect(h.beats()).toEqual([beat()]);
    const flaky = harness([json(200, executed), apiError(503, "UNAVAILABLE"), answer()]);
    expect((await flaky.gatehouse.execute("pr.open")).status).toBe("executed");
    await flaky.advance(30_000);
    await flaky.advance(30_000);
    expect(flaky.beats()).toEqual([beat(), beat()]);
  });

  it("copies of a client share one session: withRun and withIntegration send no beats of their own", async () => {
    const h = harness([json(200, executed), json(200, executed), answer()]);
    await h.gatehouse.withRun("triage").execute("pr.open");
    await h.gatehouse.withIntegration("ai-sdk/0.1.0").execute("pr.open");
    await h.advance(30_000);
    expect(h.beats()).toEqual([beat()]);
  });

  it("heartbeat() sends one beat, with the state asked for", async () => {
    const h = harness([answer()], false);
    await h.gatehouse.heartbeat({ state: "stopped", intervalSeconds: 60 });
    expect(h.beats()).toEqual([beat("stopped", 60)]);
  });
});
