import { randomBytes } from "node:crypto";
import { parseTrustedProxies } from "@gatehouse/core";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiEnv } from "../src/env";
import { startApp, stopApp } from "./helpers";

// Who the client is for the failed-key limit (docs/adr/0017): the socket's peer, unless it is a
// configured proxy (GATEHOUSE_TRUSTED_PROXIES). An attacker's X-Forwarded-For, whatever its form,
// never moves its failures to another address's count; through a trusted proxy, each client counts alone.

const FAILURES = 3;
const PROXY_RANGE = "10.99.0.0/16";
const PROXY = "10.99.0.1";

let direct: FastifyInstance;
let proxied: FastifyInstance;

beforeAll(async () => {
  const limits = { keyFailures: { limit: FAILURES, windowSeconds: 60 } };
  direct = await startApp({ limits });
  proxied = await startApp({ limits, trustedProxies: parseTrustedProxies(PROXY_RANGE) });
});
afterAll(async () => {
  await direct.close();
  await stopApp(proxied);
});

// From 16 million addresses (10.0.0.0/8 outside the proxies' 10.99.0.0/16): the failed-key counts live in
// the shared Redis for a minute, and a client that drew an address counted earlier (65,536 were too few)
// would see its 429 one failure early.
const freshAddress = () => {
  const [a = 0, b = 0, c = 0] = randomBytes(3);
  return `10.${a === 99 ? 98 : a}.${b}.${c}`;
};
const unknownKey = () => `gh_agent_${randomBytes(16).toString("hex")}`;

/** What an attacker puts in X-Forwarded-For, each failure another one. */
const SPOOFS: Record<string, () => string | string[]> = {
  "a fresh address each time": () => freshAddress(),
  garbage: () => `garbage-${randomBytes(3).toString("hex")}`,
  "several entries": () => `${freshAddress()}, ${freshAddress()}`,
  "the trusted proxy's own address": () => PROXY,
  IPv6: () => `2001:db8::${randomBytes(2).toString("hex")}`,
  "IPv4-mapped IPv6": () => `::ffff:${freshAddress()}`,
  "repeated header lines": () => [freshAddress(), freshAddress()],
  oversized: () => Array.from({ length: 3_000 }, () => freshAddress()).join(","),
};

function whoami(app: FastifyInstance, from: string, forwardedFor: string | string[] | undefined) {
  return app.inject({
    method: "GET",
    url: "/v1/whoami",
    remoteAddress: from,
    headers: { authorization: `Bearer ${unknownKey()}`, ...(forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor }) },
  });
}

describe("an untrusted peer's X-Forwarded-For never escapes its own count", () => {
  it.each(Object.keys(SPOOFS))("%s", async (name) => {
    const spoof = SPOOFS[name]!;
    for (const app of [direct, proxied]) {
      const attacker = freshAddress();
      for (let i = 0; i < FAILURES; i += 1) expect((await whoami(app, attacker, spoof())).statusCode).toBe(401);
      expect((await whoami(app, attacker, spoof())).statusCode).toBe(429);
      expect((await whoami(app, attacker, undefined)).statusCode).toBe(429);
      // Someone else, named in the spoofed header or not, still gets 401 (not locked out by the attacker).
      expect((await whoami(app, freshAddress(), undefined)).statusCode).toBe(401);
    }
  });
});

describe("behind a trusted proxy, the address the proxy saw is the client", () => {
  it.each(Object.keys(SPOOFS))("a client prepending %s is still counted as itself; other clients of the proxy are not", async (name) => {
    const spoof = SPOOFS[name]!;
    const client = freshAddress();
    const viaProxy = () => [spoof(), client].flat().join(", ");
    for (let i = 0; i < FAILURES; i += 1) expect((await whoami(proxied, PROXY, viaProxy())).statusCode).toBe(401);
    expect((await whoami(proxied, PROXY, viaProxy())).statusCode).toBe(429);
    expect((await whoami(proxied, PROXY, client)).statusCode).toBe(429);
    expect((await whoami(proxied, PROXY, freshAddress())).statusCode).toBe(401);
  });

  it("the same spoofed header from the proxy when no proxy is configured counts against the proxy's address", async () => {
    const peer = freshAddress();
    for (let i = 0; i < FAILURES; i += 1) expect((await whoami(direct, peer, freshAddress())).statusCode).toBe(401);
    expect((await whoami(direct, peer, freshAddress())).statusCode).toBe(429);
  });
});

describe("GATEHOUSE_TRUSTED_PROXIES and the older API_TRUST_PROXY", () => {
  const withEnv = (values: Record<string, string | undefined>) => {
    const saved = { GATEHOUSE_TRUSTED_PROXIES: process.env.GATEHOUSE_TRUSTED_PROXIES, API_TRUST_PROXY: process.env.API_TRUST_PROXY };
    try {
      for (const [name, value] of Object.entries(values)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      return apiEnv();
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  };

  it.each([
    [{}, []],
    [{ GATEHOUSE_TRUSTED_PROXIES: "10.0.0.1, 172.16.0.0/12" }, ["10.0.0.1", "172.16.0.0/12"]],
    [{ API_TRUST_PROXY: "false" }, []],
    [{ API_TRUST_PROXY: "10.0.0.0/8" }, ["10.0.0.0/8"]],
    [{ GATEHOUSE_TRUSTED_PROXIES: "10.0.0.1", API_TRUST_PROXY: "fd00::/8" }, ["10.0.0.1", "fd00::/8"]],
  ])("%j trusts %j", (values, entries) => {
    expect(withEnv({ GATEHOUSE_TRUSTED_PROXIES: undefined, API_TRUST_PROXY: undefined, ...values }).trustedProxies.entries).toEqual(entries);
  });

  it.each([
    [{ API_TRUST_PROXY: "true" }, /API_TRUST_PROXY: "true" trusts whoever connects; list the proxies/],
    [{ API_TRUST_PROXY: "1" }, /API_TRUST_PROXY: "1" trusts whoever connects/],
    [{ GATEHOUSE_TRUSTED_PROXIES: "everyone" }, /GATEHOUSE_TRUSTED_PROXIES: "everyone" is not an address or a CIDR range/],
  ])("%j is refused at startup", (values, message) => {
    expect(() => withEnv({ GATEHOUSE_TRUSTED_PROXIES: undefined, API_TRUST_PROXY: undefined, ...values })).toThrow(message);
  });
});
