import { createTestOrg, testDatabaseUrl, type TestOrg } from "@gatehouse/db/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ALLOW_ALL_PR, stopApp } from "./helpers";
import { costliestPermittedSet, largestCall, measureScreenFairness } from "./screen-fairness";
import { spawnApi, type ApiProcess } from "./spawn-api";

// Issue 62, point 1, the attacker's test: a real `npm run api` process; one org's costliest permitted detectors screen
// the largest permitted call, two at a time, back to back, while another org's decisions are timed. Before the screen's
// budget and the work pool, 25 such detectors held the event loop for seconds a call and every org's p99 went from
// 71 ms to 26 s. The bound is the issue's: the other org's p99 within 2× of its p99 alone, measured in this run (the
// slower of before and after, so a slow stretch of the machine outside the attack does not count against it).
// bench/SCREEN-FAIRNESS.md has the measured figures (`npm run bench:screen-fairness`).

let api: ApiProcess;
let attacker: TestOrg;
let victim: TestOrg;

beforeAll(async () => {
  api = await spawnApi({ DATABASE_URL: testDatabaseUrl(), REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
  [attacker, victim] = await Promise.all([createTestOrg({ label: "screen-attacker", policies: ALLOW_ALL_PR }), createTestOrg({ label: "screen-victim", policies: ALLOW_ALL_PR })]);
  for (const spec of costliestPermittedSet()) {
    const created = await post("/v1/content/detectors", attacker.adminKey.apiKey, JSON.stringify({ name: spec.name, class: spec.class, pattern: spec.pattern }));
    expect(created.status).toBe(201);
  }
}, 120_000);

afterAll(async () => {
  await api?.stop();
  await stopApp(undefined);
});

const post = (path: string, key: string, body: string) =>
  fetch(`${api.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body });

it("another org's decisions keep their p99 within 2× while one org's costliest detectors screen the largest calls", async () => {
  let pr = 0;
  const victimDecision = async () => {
    const answer = await post("/v1/actions", victim.agent.apiKey, JSON.stringify({ actionType: "pr.open", metadata: { pr: (pr += 1) } }));
    expect(((await answer.json()) as { status: string }).status).toBe("executed");
  };
  // Warm the victim's path (its policies compiled, its first queries) before anything is timed.
  for (let i = 0; i < 10; i += 1) await victimDecision();
  const body = largestCall();
  const round = () =>
    measureScreenFairness({
      samples: 60,
      attackers: 2,
      victimDecision,
      attackerCall: async () => {
        const answer = await post("/v1/actions", attacker.agent.apiKey, body);
        await answer.arrayBuffer();
        return answer.status;
      },
    });
  // A p99 of 60 decisions is nearly their slowest one, which the machine's own noise moves by up to 2.1× with no attack
  // at all (bench/SCREEN-FAIRNESS.md). So up to three rounds are measured, and one within the bound passes: the fault this
  // guards against — the attacker's detectors holding the event loop — slows every round (before the screen's budget,
  // from 71 ms to 26 s), where noise seldom fails three in a row.
  const rounds: string[] = [];
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3 && best > 2; i += 1) {
    const run = await round();
    // The attacker's calls were screened (or refused for the org's own time on the pool), never answered 500.
    expect(
      Object.keys(run.attacker).every((status) => ["200", "429", "503"].includes(status)),
      JSON.stringify(run.attacker),
    ).toBe(true);
    const alone = Math.max(run.before.p99, run.after.p99);
    best = Math.min(best, run.during.p99 / alone);
    rounds.push(`p99 alone ${alone.toFixed(1)} ms (before ${run.before.p99.toFixed(1)}, after ${run.after.p99.toFixed(1)}), during ${run.during.p99.toFixed(1)} ms`);
  }
  expect(best, rounds.join("; ")).toBeLessThanOrEqual(2);
}, 480_000);
