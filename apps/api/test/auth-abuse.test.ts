import { randomBytes } from "node:crypto";
import { rateLimiter, type RateLimiter } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOW_ALL_PR, call, startApp, stopApp } from "./helpers";

// Authentication abuse (docs/edge.md): failed key checks per client address, and the per-key
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

/** Keys of every kind that authenticate, and keys that fail in every way; filled in by beforeAll of the table. */
const keys: { valid: Record<string, () => string>; failing: Record<string, () => string | undefined> } = {
  valid: {
    "agent key": () => org.agent.apiKey,
    "admin key": () => org.adminKey.apiKey,
    "delegate key": () => delegateKey,
  },
  failing: {
    "unknown key": unknownKey,
    "malformed key": () => "gh_agent_malformed",
    "revoked key": () => revokedKey,
    "no key": () => undefined,
  },
};
let delegateKey = "";
let revokedKey = "";

/** Sends failing keys from `address` until it is past the limit (each one answered 401). */
async function exhaust(address: string): Promise<void> {
  for (let i = 0; i < FAILURES; i += 1) expect((await whoami(address, i % 2 ? unknownKey() : "gh_agent_malformed")).statusCode).toBe(401);
}

describe("failed key checks are limited per client address; a key that authenticates always passes", () => {
  beforeAll(async () => {
    const delegate = async (name: string) => {
      const created = await call(app, "POST", "/v1/delegations", { key: org.agent.apiKey, body: { name, capabilities: ["pr.*"], ttlSeconds: 3600 } });
      expect(created.statusCode).toBe(201);
      const { apiKey } = created.json<{ apiKey: string }>();
      const who = await call(app, "GET", "/v1/whoami", { key: apiKey });
      return { apiKey, keyId: who.json<{ key: { id: string } }>().key.id };
    };
    delegateKey = (await delegate("standing")).apiKey;
    const revoked = await delegate("revoked");
    expect((await call(app, "DELETE", `/v1/admin/keys/${revoked.keyId}`, { key: org.adminKey.apiKey })).statusCode).toBe(200);
    revokedKey = revoked.apiKey;
  });

  const cases = [
    ...Object.entries(keys.valid).map(([kind, key]) => ({ kind, key: key as () => string | undefined, status: 200 })),
    ...Object.entries(keys.failing).map(([kind, key]) => ({ kind, key, status: 429 })),
  ];
  it.each(cases)("an address past the limit, $kind → $status; another address is unaffected", async ({ key, status }) => {
    const address = freshAddress();
    await exhaust(address);
    for (let i = 0; i < 3; i += 1) {
      const answered = await whoami(address, key());
      expect(answered.statusCode).toBe(status);
      if (status === 429) {
        expect(answered.headers["retry-after"]).toBe(String(WINDOW_SECONDS));
        expect(answered.json()).toMatchObject({ error: { code: "RATE_LIMITED", message: `too many failed API key checks from this address; try again in ${WINDOW_SECONDS} s` } });
      }
    }
    const quiet = freshAddress();
    expect((await whoami(quiet, key())).statusCode).toBe(status === 200 ? 200 : 401);
  });

  it("past the limit, failures are still counted and keep the address slowed; valid keys pass throughout; after the window failures answer 401 again", async () => {
    const address = freshAddress();
    await exhaust(address);
    clock += 45_000;
    const later = await whoami(address, unknownKey());
    expect(later.statusCode).toBe(429);
    expect(later.headers["retry-after"]).toBe("15");
    expect((await whoami(address, org.agent.apiKey)).statusCode).toBe(200);

    // That failure was counted, and renewed the window from its own time: past the first window's end, still slowed.
    clock += 15_000;
    const refreshed = await whoami(address, unknownKey());
    expect(refreshed.statusCode).toBe(429);
    expect(refreshed.headers["retry-after"]).toBe("45");
    expect((await whoami(address, org.adminKey.apiKey)).statusCode).toBe(200);

    clock += (WINDOW_SECONDS + 1) * 1000;
    expect((await whoami(address, unknownKey())).statusCode).toBe(401);
    expect((await whoami(address, org.agent.apiKey)).statusCode).toBe(200);
  });

  it("an X-Forwarded-For header from the client does not make it another address (no trusted proxy by default)", async () => {
    const address = freshAddress();
    await exhaust(address);
    const spoofed = await app.inject({
      method: "GET",
      url: "/v1/whoami",
      remoteAddress: address,
      headers: { authorization: `Bearer ${unknownKey()}`, "x-forwarded-for": freshAddress() },
    });
    expect(spoofed.statusCode).toBe(429);
  });

  it("valid keys never count and cost no round trip to the counter; neither does a request without a key", async () => {
    const address = freshAddress();
    counted.length = 0;
    for (let i = 0; i < 3 * FAILURES; i += 1) expect((await whoami(address, i % 2 ? org.agent.apiKey : org.adminKey.apiKey)).statusCode).toBe(200);
    for (let i = 0; i < 3 * FAILURES; i += 1) expect((await whoami(address)).statusCode).toBe(401);
    expect(counted).toEqual([]);

    // Only the failures count: the FAILURES-th is still answered 401, the next failure 429.
    for (let i = 0; i < FAILURES; i += 1) expect((await whoami(address, unknownKey())).statusCode).toBe(401);
    expect(counted).toEqual(Array.from({ length: FAILURES }, () => ({ keys: [`auth:key-failures:${address}`], mode: "consume" })));
    expect((await whoami(address, unknownKey())).statusCode).toBe(429);
    expect((await whoami(address, org.agent.apiKey)).statusCode).toBe(200);
    expect(counted).toHaveLength(FAILURES + 1);
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
