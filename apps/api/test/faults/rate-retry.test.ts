import { randomUUID } from "node:crypto";
import { createTestOrg, testDatabaseUrl } from "@gatehouse/db/testing";
import { afterAll, describe, expect, it } from "vitest";
import { stopApp } from "../helpers";
import { spawnApi, type ApiProcess } from "../spawn-api";
import { stopApi } from "./services";

/**
 * Fault (e): a retry (same eventId) that lands on another instance, before that instance could know
 * the original's decision, consumes no rate quota: with a limit of N per window, N − 1 distinct
 * calls on A and two retries of each on B still leave the N-th distinct call allowed, and the
 * (N + 1)-th denied. (Before the fix every retry added a member to the window: the N-th was denied.)
 * Both counters: Redis (two instances sharing it) and PostgreSQL (two instances without Redis).
 */
const LIMIT = 4;
const processes: ApiProcess[] = [];

afterAll(async () => {
  await Promise.all(processes.map(stopApi));
  await stopApp(undefined);
});

const decide = (api: ApiProcess, key: string, eventId: string) =>
  fetch(`${api.url}/v1/actions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ actionType: "api.call", eventId, metadata: { call: eventId } }), // each call differs: not a loop (docs/loops.md)
  }).then(async (r) => {
    expect(r.status).toBe(200);
    return (await r.json()) as { status: string; denialReason?: string; auditEventId: string };
  });

const backends: Array<{ backend: string; env: Record<string, string>; unset: string[] }> = [
  { backend: "redis", env: { REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" }, unset: [] },
  { backend: "postgresql", env: {}, unset: ["REDIS_URL"] },
];

describe.each(backends)("rate counting with $backend", ({ backend, env, unset }) => {
  it(`retries of ${LIMIT - 1} calls on another instance leave the ${LIMIT}-th call allowed`, async () => {
    const [a, b] = await Promise.all([spawnApi({ DATABASE_URL: testDatabaseUrl(), ...env }, unset), spawnApi({ DATABASE_URL: testDatabaseUrl(), ...env }, unset)]);
    processes.push(a, b);
    const org = await createTestOrg({
      label: `rateretry-${backend}`,
      policies: [
        { name: "allow-calls", actions: ["api.call"], effect: "allow" },
        { name: "limited", actions: ["api.call"], when: { rate: { over: LIMIT, windowSeconds: 300 } }, effect: "deny" },
      ],
    });
    const key = org.agent.apiKey;
    const originals = [];
    for (let i = 0; i < LIMIT - 1; i++) {
      const eventId = randomUUID();
      originals.push({ eventId, result: await decide(a, key, eventId) });
    }
    expect(originals.map((o) => o.result.status)).toEqual(Array(LIMIT - 1).fill("executed"));
    // Each retried twice on B (which has never seen them): the original answer, and no quota.
    for (const { eventId, result } of originals) {
      for (let retry = 0; retry < 2; retry++) expect(await decide(b, key, eventId)).toEqual(result);
    }
    const nth = await decide(a, key, randomUUID());
    const over = await decide(b, key, randomUUID());
    console.log(
      `[faults/rate-retry] ${backend}: ${LIMIT - 1} calls + ${2 * (LIMIT - 1)} retries on B, then call ${LIMIT}: ${nth.status}, call ${LIMIT + 1}: ${over.status}/${over.denialReason}`,
    );
    expect(nth.status).toBe("executed");
    expect(over).toMatchObject({ status: "denied", denialReason: "RATE_LIMITED" });
  }, 90_000);
});
