import { randomBytes } from "node:crypto";
import { rateLimiter, type RateLimiter } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOW_ALL_PR, call, startApp, stopApp } from "./helpers";

// Authentication abuse (docs/architecture.md): failed key checks per client address, and the per-key
// caps on event streams and approval long-polls. The failure limit is low here (5 in 60 s) and the
// clock is the test's; the caps are the defaults (10 each).

const FAILURES = 5;
const WINDOW_SECONDS = 60;

let app: FastifyInstance;
let baseUrl: string;
let org: TestOrg;
let clock = Date.now();
/** Every round trip to the failure counter. */
const counted: Array<{ keys: string[]; mode: string }> = [];

const countingLimiter = (): RateLimiter => {
  const real = rateLimiter();
  return {
    backend: real.backend,
    count: (refs, mode, options) => {
      counted.push({ keys: refs.map((r) => r.key), mode });
      return real.count(refs, mode, options);
    },
    available: () => real.available(),
    close: () => real.close(),
  };
};

beforeAll(async () => {
  app = await startApp({ limits: { keyFailures: { limit: FAILURES, windowSeconds: WINDOW_SECONDS } }, now: () => clock, rateLimiter: countingLimiter });
  baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
  org = await createTestOrg({ label: "abuse", policies: ALLOW_ALL_PR });
});
afterAll(async () => {
  await stopApp(app);
});

/** An address no other test (or an earlier run within the window) has counted against. */
const freshAddress = () => `10.${[...randomBytes(3)].join(".")}`;
/** Well-formed, but no such key: it takes a lookup to refuse. */
const unknownKey = () => `gh_agent_${randomBytes(16).toString("hex")}`;

function whoami(from: string, key?: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: "GET", url: "/v1/whoami", remoteAddress: from, headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("failed key checks are limited per client address", () => {
  it(`after ${FAILURES} failures an address is refused 429 with Retry-After, even with a valid key, until the window passes`, async () => {
    const address = freshAddress();
    for (let i = 0; i < FAILURES; i += 1) expect((await whoami(address, i % 2 ? unknownKey() : "gh_agent_malformed")).statusCode).toBe(401);

    const refused = await whoami(address, org.agent.apiKey);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers["retry-after"]).toBe(String(WINDOW_SECONDS));
    expect(refused.json()).toMatchObject({ error: { code: "RATE_LIMITED", message: `too many failed API key checks from this address; try again in ${WINDOW_SECONDS} s` } });
    // Refused before the key is looked at: a request without a key is refused the same way.
    expect((await whoami(address)).statusCode).toBe(429);

    clock += 45_000;
    const later = await whoami(address, org.agent.apiKey);
    expect(later.statusCode).toBe(429);
    expect(later.headers["retry-after"]).toBe("15");

    clock += 15_000;
    expect((await whoami(address, org.agent.apiKey)).statusCode).toBe(200);
    // A fresh window: failures start counting from zero again.
    expect((await whoami(address, unknownKey())).statusCode).toBe(401);
    expect((await whoami(address, org.agent.apiKey)).statusCode).toBe(200);
  });

  it("other addresses are unaffected", async () => {
    const noisy = freshAddress();
    const quiet = freshAddress();
    for (let i = 0; i < FAILURES; i += 1) await whoami(noisy, unknownKey());
    expect((await whoami(noisy, org.agent.apiKey)).statusCode).toBe(429);

    expect((await whoami(quiet, org.agent.apiKey)).statusCode).toBe(200);
    expect((await whoami(quiet, unknownKey())).statusCode).toBe(401);
  });

  it("an X-Forwarded-For header from the client does not make it another address (no trusted proxy by default)", async () => {
    const address = freshAddress();
    for (let i = 0; i < FAILURES; i += 1) await whoami(address, unknownKey());
    const spoofed = await app.inject({
      method: "GET",
      url: "/v1/whoami",
      remoteAddress: address,
      headers: { authorization: `Bearer ${org.agent.apiKey}`, "x-forwarded-for": freshAddress() },
    });
    expect(spoofed.statusCode).toBe(429);
  });

  it("valid keys never count and cost no round trip to the counter; neither does a request without a key", async () => {
    const address = freshAddress();
    counted.length = 0;
    for (let i = 0; i < 3 * FAILURES; i += 1) expect((await whoami(address, i % 2 ? org.agent.apiKey : org.adminKey.apiKey)).statusCode).toBe(200);
    for (let i = 0; i < 3 * FAILURES; i += 1) expect((await whoami(address)).statusCode).toBe(401);
    expect(counted).toEqual([]);

    // Only the failures count: FAILURES - 1 of them leave the address its valid key.
    for (let i = 0; i < FAILURES - 1; i += 1) expect((await whoami(address, unknownKey())).statusCode).toBe(401);
    expect(counted).toEqual(Array.from({ length: FAILURES - 1 }, () => ({ keys: [`auth:key-failures:${address}`], mode: "consume" })));
    expect((await whoami(address, org.agent.apiKey)).statusCode).toBe(200);
    expect((await whoami(address, unknownKey())).statusCode).toBe(401);
    expect((await whoami(address, org.agent.apiKey)).statusCode).toBe(429);
  });
});

describe("event streams are capped per key", () => {
  it("the 11th concurrent stream is refused 429 saying how many are open; closing one frees its slot", async () => {
    const open = (key: string) => {
      const controller = new AbortController();
      return fetch(`${baseUrl}/v1/events`, { headers: { authorization: `Bearer ${key}` }, signal: controller.signal }).then((response) => ({
        response,
        close: () => controller.abort(),
      }));
    };
    const streams = await Promise.all(Array.from({ length: 10 }, () => open(org.agent.apiKey)));
    try {
      expect(streams.map((s) => s.response.status)).toEqual(Array.from({ length: 10 }, () => 200));

      const refused = await fetch(`${baseUrl}/v1/events`, { headers: { authorization: `Bearer ${org.agent.apiKey}` } });
      expect(refused.status).toBe(429);
      expect(refused.headers.get("retry-after")).toBe("5");
      expect(await refused.json()).toMatchObject({
        error: { code: "RATE_LIMITED", message: "10 event streams are already open for this API key (at most 10); close one first", details: { open: 10, limit: 10 } },
      });
      // Another key has its own slots.
      const other = await open(org.adminKey.apiKey);
      expect(other.response.status).toBe(200);
      other.close();

      streams.pop()?.close();
      await until(() => app.abuse.streams.held(org.agent.keyId) === 9, "the closed stream's slot is free");
      const again = await open(org.agent.apiKey);
      streams.push(again);
      expect(again.response.status).toBe(200);
    } finally {
      for (const s of streams) s.close();
    }
    await until(() => app.abuse.streams.held(org.agent.keyId) === 0, "every stream's slot is free");
  });

  it("a stream refused before it starts (a bad Last-Event-ID) holds no slot", async () => {
    for (let i = 0; i < 12; i += 1) {
      const response = await call(app, "GET", "/v1/events", { key: org.agent.apiKey, headers: { "last-event-id": "not-a-sequence" } });
      expect(response.statusCode).toBe(400);
    }
    expect(app.abuse.streams.held(org.agent.keyId)).toBe(0);
  });
});

describe("approval long-polls are capped per key", () => {
  it("the 11th concurrent wait is refused 429; a wait the client leaves, or one that answers, frees its slot", async () => {
    const requested = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "pr.merge", metadata: { pr: 1 } } });
    const { approvalId } = requested.json<{ approvalId: string }>();
    const wait = (timeoutMs: number) => {
      const controller = new AbortController();
      const answer = fetch(`${baseUrl}/v1/approvals/${approvalId}/wait?timeoutMs=${timeoutMs}`, {
        headers: { authorization: `Bearer ${org.agent.apiKey}` },
        signal: controller.signal,
      }).catch(() => null);
      return { answer, leave: () => controller.abort() };
    };
    const waits = Array.from({ length: 10 }, () => wait(20_000));
    try {
      await until(() => app.abuse.waits.held(org.agent.keyId) === 10, "ten waits are parked");

      const refused = await call(app, "GET", `/v1/approvals/${approvalId}/wait?timeoutMs=20000`, { key: org.agent.apiKey });
      expect(refused.statusCode).toBe(429);
      expect(refused.headers["retry-after"]).toBe("5");
      expect(refused.json()).toMatchObject({ error: { code: "RATE_LIMITED", message: "10 approval waits are already open for this API key (at most 10); close one first" } });

      waits.pop()?.leave();
      await until(() => app.abuse.waits.held(org.agent.keyId) === 9, "the left wait's slot is free");
      // A short wait now gets the slot, and gives it back when it answers.
      const answered = await call(app, "GET", `/v1/approvals/${approvalId}/wait?timeoutMs=50`, { key: org.agent.apiKey });
      expect(answered.statusCode).toBe(200);
      expect(answered.json()).toMatchObject({ id: approvalId, status: "pending" });
      expect(app.abuse.waits.held(org.agent.keyId)).toBe(9);
    } finally {
      for (const w of waits) w.leave();
    }
    await until(() => app.abuse.waits.held(org.agent.keyId) === 0, "every wait's slot is free");
  });
});
