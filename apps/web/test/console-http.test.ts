import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parseTrustedProxies, type TrustedProxies } from "@gatehouse/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientAddress } from "../src/server/client-address";
import { consoleListener } from "../src/server/console-http";

// The console's own server (server.ts) rewrites every request's client headers before Next.js sees
// it: over a real socket from 127.0.0.1, with and without 127.0.0.1 as a trusted proxy, the handler
// (Next.js in production; here one that answers the headers it got) sees one X-Forwarded-For holding
// the address the shared rule chose, and none of the other client-address headers.

const HOSTILE: Array<[string, Record<string, string | string[]>, string]> = [
  ["nothing forwarded", {}, "127.0.0.1"],
  ["a spoofed address", { "x-forwarded-for": "1.2.3.4" }, "1.2.3.4"],
  ["garbage", { "x-forwarded-for": "not-an-address" }, "127.0.0.1"],
  ["several entries", { "x-forwarded-for": "6.6.6.6, 192.0.2.1" }, "192.0.2.1"],
  ["repeated header lines", { "x-forwarded-for": ["6.6.6.6", "192.0.2.1"] }, "192.0.2.1"],
  ["IPv6", { "x-forwarded-for": "2001:DB8::1" }, "2001:db8::1"],
  ["IPv4-mapped IPv6", { "x-forwarded-for": "::ffff:192.0.2.1" }, "192.0.2.1"],
  ["oversized", { "x-forwarded-for": `${"9.9.9.9,".repeat(2_000)}192.0.2.7` }, "192.0.2.7"],
  ["Forwarded and X-Real-IP", { forwarded: "for=1.2.3.4", "x-real-ip": "1.2.3.4", "true-client-ip": "1.2.3.4", "cf-connecting-ip": "1.2.3.4" }, "127.0.0.1"],
];

async function serve(trusted: TrustedProxies): Promise<{ server: Server; port: number }> {
  const server = createServer(
    consoleListener((req, res) => {
      // What sign-in and the mail limits then key their per-address counts on.
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ ...req.headers, "client-address": clientAddress(headers) }));
    }, trusted),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function headersSeen(port: number, headers: Record<string, string | string[]>): Promise<Record<string, string | undefined>> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", headers }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve(JSON.parse(body) as Record<string, string | undefined>));
    });
    req.on("error", reject);
    req.end();
  });
}

let untrusted: { server: Server; port: number };
let trusted: { server: Server; port: number };
beforeAll(async () => {
  untrusted = await serve(parseTrustedProxies(""));
  trusted = await serve(parseTrustedProxies("127.0.0.0/8"));
});
afterAll(() => {
  untrusted.server.close();
  trusted.server.close();
});

describe("the console's server stamps the client address", () => {
  it.each(HOSTILE)("%s, from a peer that is not a trusted proxy: the socket's address, nothing else", async (_name, headers) => {
    const seen = await headersSeen(untrusted.port, headers);
    expect(seen["x-forwarded-for"]).toBe("127.0.0.1");
    expect(seen["client-address"]).toBe("127.0.0.1");
    expect([seen.forwarded, seen["x-real-ip"], seen["true-client-ip"], seen["cf-connecting-ip"]]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it.each(HOSTILE)("%s, from a trusted proxy: the rightmost untrusted entry", async (_name, headers, expected) => {
    const seen = await headersSeen(trusted.port, headers);
    expect(seen["x-forwarded-for"]).toBe(expected);
    expect(seen["client-address"]).toBe(expected);
    expect([seen.forwarded, seen["x-real-ip"]]).toEqual([undefined, undefined]);
  });
});

describe("the console reads the stamped address only", () => {
  it.each([
    ["one address", "192.0.2.1", "192.0.2.1"],
    ["IPv4-mapped", "::ffff:192.0.2.1", "192.0.2.1"],
    ["a list (not stamped by the console's server)", "1.2.3.4, 192.0.2.1", null],
    ["not an address", "unknown", null],
    ["absent", null, null],
  ])("%s", (_name, value, expected) => {
    expect(clientAddress(new Headers(value === null ? {} : { "x-forwarded-for": value }))).toBe(expected);
  });
});
