import { describe, expect, it } from "vitest";
import { consoleOrigins, consoleUrlWarning, edgeRefusal, type ConsoleOrigins } from "../src/server/edge-guard";

const PUBLIC = consoleOrigins({ consoleUrl: "https://console.example.com", development: false, port: 3000 });
const DEVELOPMENT = consoleOrigins({ consoleUrl: undefined, development: true, port: 3000 });
const E2E = consoleOrigins({ consoleUrl: "http://127.0.0.1:4123", development: false, port: 4123 });

function headers(values: Record<string, string | undefined>): Headers {
  const h = new Headers();
  for (const [name, value] of Object.entries(values)) if (value !== undefined) h.set(name, value);
  return h;
}

const WRITES = ["POST", "PUT", "PATCH", "DELETE"] as const;
/** A page, a route handler, next-auth's endpoint, the development outbox. */
const PATHS = ["/o/acme/approvals", "/api/orgs/acme/members/leave", "/api/auth/callback/credentials", "/dev/outbox"] as const;

describe("the console's origins", () => {
  it("are GATEHOUSE_CONSOLE_URL's, with the other loopback names when it is a loopback one, and the loopback names on WEB_PORT in development", () => {
    expect(PUBLIC && [...PUBLIC.origins]).toEqual(["https://console.example.com"]);
    expect(PUBLIC && [...PUBLIC.hosts]).toEqual(["console.example.com"]);
    expect(E2E && [...E2E.hosts].sort()).toEqual(["127.0.0.1:4123", "[::1]:4123", "localhost:4123"]);
    expect(DEVELOPMENT && [...DEVELOPMENT.origins].sort()).toEqual(["http://127.0.0.1:3000", "http://[::1]:3000", "http://localhost:3000"]);
    const both = consoleOrigins({ consoleUrl: "https://console.example.com", development: true, port: 3000 });
    expect(both && [...both.hosts].sort()).toEqual(["127.0.0.1:3000", "[::1]:3000", "console.example.com", "localhost:3000"]);
  });

  it("are any host without GATEHOUSE_CONSOLE_URL outside development, and startup says so", () => {
    const any = consoleOrigins({ consoleUrl: undefined, development: false, port: 3000 });
    expect(any).toBeNull();
    expect(consoleUrlWarning(any)).toMatch(/GATEHOUSE_CONSOLE_URL is not set/);
    expect(consoleUrlWarning(PUBLIC)).toBeNull();
  });
});

describe("Host allow-list (DNS rebinding)", () => {
  const FOREIGN: Array<{ name: string; allowed: ConsoleOrigins | null; host?: string; forwardedHost?: string }> = [
    { name: "another name", allowed: PUBLIC, host: "evil.example" },
    { name: "another name on the console's port", allowed: DEVELOPMENT, host: "evil.example:3000" },
    { name: "a name that resolves to loopback", allowed: DEVELOPMENT, host: "127.0.0.1.nip.io:3000" },
    { name: "a name under loopback's", allowed: DEVELOPMENT, host: "localhost.evil.example:3000" },
    { name: "the address of another interface", allowed: DEVELOPMENT, host: "192.168.1.20:3000" },
    { name: "another loopback address", allowed: DEVELOPMENT, host: "127.0.0.2:3000" },
    { name: "the IPv6 wildcard", allowed: DEVELOPMENT, host: "[::]:3000" },
    { name: "a loopback name on another port", allowed: DEVELOPMENT, host: "localhost:3001" },
    { name: "loopback when the console is public and not in development", allowed: PUBLIC, host: "localhost:3000" },
    { name: "another name in upper case", allowed: PUBLIC, host: "EVIL.EXAMPLE" },
    { name: "the console's name with a trailing dot", allowed: PUBLIC, host: "console.example.com." },
    { name: "the console's name on another port", allowed: PUBLIC, host: "console.example.com:8443" },
    { name: "the console's name as userinfo", allowed: PUBLIC, host: "console.example.com@evil.example" },
    { name: "the console's name as a prefix", allowed: PUBLIC, host: "console.example.com.evil.example" },
    { name: "no Host", allowed: PUBLIC, host: undefined },
    { name: "an empty Host", allowed: PUBLIC, host: "" },
    { name: "X-Forwarded-Host naming another host", allowed: PUBLIC, host: "console.example.com", forwardedHost: "evil.example" },
    { name: "X-Forwarded-Host with another host after the console's", allowed: PUBLIC, host: "console.example.com", forwardedHost: "console.example.com, evil.example" },
    { name: "X-Forwarded-Host naming the console from a foreign Host", allowed: DEVELOPMENT, host: "evil.example:3000", forwardedHost: "localhost:3000" },
  ];

  for (const { name, allowed, host, forwardedHost } of FOREIGN) {
    it(`refuses ${name} (421) on a page, a route handler, next-auth and the outbox, for reads and writes`, () => {
      for (const pathname of PATHS) {
        for (const method of ["GET", "POST"]) {
          const h = headers({ host, "x-forwarded-host": forwardedHost, origin: "https://console.example.com", "content-type": "application/json" });
          expect(edgeRefusal({ method, pathname, headers: h }, allowed), `${method} ${pathname}`).toMatchObject({ kind: "host", status: 421 });
        }
      }
    });
  }

  const OWN: Array<{ name: string; allowed: ConsoleOrigins | null; host: string; forwardedHost?: string }> = [
    { name: "the console's name", allowed: PUBLIC, host: "console.example.com" },
    { name: "the console's name in upper case (host names have no case)", allowed: PUBLIC, host: "CONSOLE.Example.com" },
    { name: "the console's name, forwarded as itself", allowed: PUBLIC, host: "console.example.com", forwardedHost: "console.example.com" },
    { name: "localhost in development", allowed: DEVELOPMENT, host: "localhost:3000" },
    { name: "127.0.0.1 in development", allowed: DEVELOPMENT, host: "127.0.0.1:3000" },
    { name: "[::1] in development", allowed: DEVELOPMENT, host: "[::1]:3000" },
    { name: "localhost for a console configured on 127.0.0.1", allowed: E2E, host: "localhost:4123" },
    { name: "any host when none is configured", allowed: null, host: "anything.example" },
  ];
  for (const { name, allowed, host, forwardedHost } of OWN) {
    it(`answers ${name}`, () => {
      for (const pathname of PATHS) {
        expect(edgeRefusal({ method: "GET", pathname, headers: headers({ host, "x-forwarded-host": forwardedHost }) }, allowed), pathname).toBeNull();
      }
    });
  }

  it("answers the health check for any host (a container or load balancer calls it by address)", () => {
    expect(edgeRefusal({ method: "GET", pathname: "/api/healthz", headers: headers({ host: "10.0.0.7:3000" }) }, PUBLIC)).toBeNull();
    expect(edgeRefusal({ method: "GET", pathname: "/api/healthz/x", headers: headers({ host: "10.0.0.7:3000" }) }, PUBLIC)).toMatchObject({ kind: "host" });
  });
});

describe("cross-site writes", () => {
  const OWN_ORIGIN = "https://console.example.com";
  const HOST = "console.example.com";
  const JSON_TYPE = "application/json";
  /** Every way a page on another site (or a sandboxed frame, or a stripped Origin) sends a write with the victim's cookie. */
  const CROSS_SITE: Array<{ name: string; values: Record<string, string | undefined> }> = [
    { name: "a text/plain body from another origin", values: { origin: "https://evil.example", "sec-fetch-site": "cross-site", "content-type": "text/plain" } },
    { name: "a form from another origin", values: { origin: "https://evil.example", "sec-fetch-site": "cross-site", "content-type": "application/x-www-form-urlencoded" } },
    { name: "a multipart form from another origin", values: { origin: "https://evil.example", "sec-fetch-site": "cross-site", "content-type": "multipart/form-data; boundary=x" } },
    { name: "JSON from another origin (no fetch metadata)", values: { origin: "https://evil.example", "content-type": JSON_TYPE } },
    { name: "JSON with Sec-Fetch-Site: cross-site", values: { origin: OWN_ORIGIN, "sec-fetch-site": "cross-site", "content-type": JSON_TYPE } },
    { name: "JSON with Sec-Fetch-Site: same-site (a sibling subdomain)", values: { origin: OWN_ORIGIN, "sec-fetch-site": "same-site", "content-type": JSON_TYPE } },
    { name: "Origin: null (a sandboxed frame, a data: URL)", values: { origin: "null", "content-type": JSON_TYPE } },
    { name: "no Origin, with cross-site fetch metadata", values: { "sec-fetch-site": "cross-site", "content-type": "text/plain" } },
    { name: "no Origin and no fetch metadata", values: { "content-type": JSON_TYPE } },
    { name: "an empty Origin", values: { origin: "", "content-type": JSON_TYPE } },
    { name: "the console's name over plain http", values: { origin: "http://console.example.com", "content-type": JSON_TYPE } },
    { name: "the console's name on another port", values: { origin: "https://console.example.com:8443", "content-type": JSON_TYPE } },
    { name: "a sibling subdomain", values: { origin: "https://evil.console.example.com", "content-type": JSON_TYPE } },
    { name: "the console's name as a prefix", values: { origin: "https://console.example.com.evil.example", "content-type": JSON_TYPE } },
  ];

  for (const { name, values } of CROSS_SITE) {
    it(`refuses ${name} (403) for every write method on every path`, () => {
      for (const method of WRITES) {
        for (const pathname of PATHS) {
          const refusal = edgeRefusal({ method, pathname, headers: headers({ host: HOST, ...values }) }, PUBLIC);
          expect(refusal, `${method} ${pathname}`).toMatchObject({ kind: "cross-site", status: 403, code: "FORBIDDEN" });
        }
      }
    });
  }

  it("refuses another origin when any host is answered: the Origin must name the Host the request was sent to", () => {
    for (const origin of ["https://evil.example", "null", "https://anything.example.evil", "not a url"]) {
      const h = headers({ host: "anything.example", origin, "content-type": JSON_TYPE });
      expect(edgeRefusal({ method: "POST", pathname: "/api/orgs/acme/members/leave", headers: h }, null), origin).toMatchObject({ kind: "cross-site" });
    }
    const own = headers({ host: "anything.example", origin: "https://anything.example", "content-type": JSON_TYPE });
    expect(edgeRefusal({ method: "POST", pathname: "/api/orgs/acme/members/leave", headers: own }, null)).toBeNull();
  });

  it("refuses a same-origin write to a route handler that is not JSON (400), and not next-auth's form posts or a server action's", () => {
    const bodies: Array<Record<string, string | undefined>> = [
      ...["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx", "text/json", ""].map((type) => ({
        "content-type": type,
        "content-length": "2",
      })),
      { "content-length": "2" },
      { "transfer-encoding": "chunked" },
    ];
    for (const body of bodies) {
      for (const method of WRITES) {
        const h = headers({ host: HOST, origin: OWN_ORIGIN, "sec-fetch-site": "same-origin", ...body });
        expect(edgeRefusal({ method, pathname: "/api/orgs/acme/members/leave", headers: h }, PUBLIC), `${method} ${JSON.stringify(body)}`).toMatchObject({
          kind: "not-json",
          status: 400,
        });
      }
    }
    const form = headers({ host: HOST, origin: OWN_ORIGIN, "sec-fetch-site": "same-origin", "content-type": "application/x-www-form-urlencoded" });
    expect(edgeRefusal({ method: "POST", pathname: "/api/auth/callback/credentials", headers: form }, PUBLIC)).toBeNull();
    const action = headers({ host: HOST, origin: OWN_ORIGIN, "sec-fetch-site": "same-origin", "content-type": "multipart/form-data; boundary=x" });
    expect(edgeRefusal({ method: "POST", pathname: "/signin", headers: action }, PUBLIC)).toBeNull();
  });

  it("lets the console's own pages write: its Origin, same-origin or no fetch metadata (an older browser), JSON with or without a charset, or no body", () => {
    for (const site of ["same-origin", "none", undefined]) {
      for (const contentType of [JSON_TYPE, "application/json; charset=utf-8", "Application/JSON"]) {
        for (const method of WRITES) {
          const h = headers({ host: HOST, origin: OWN_ORIGIN, "sec-fetch-site": site, "content-type": contentType });
          expect(edgeRefusal({ method, pathname: "/api/orgs/acme/members/leave", headers: h }, PUBLIC), `${method} ${site} ${contentType}`).toBeNull();
        }
      }
    }
    for (const empty of [{}, { "content-length": "0" }]) {
      const h = headers({ host: HOST, origin: OWN_ORIGIN, "sec-fetch-site": "same-origin", ...empty });
      expect(edgeRefusal({ method: "DELETE", pathname: "/api/orgs/acme/policies/draft", headers: h }, PUBLIC), "a write without a body").toBeNull();
    }
    const e2e = headers({ host: "localhost:4123", origin: "http://localhost:4123", "content-type": JSON_TYPE });
    expect(edgeRefusal({ method: "POST", pathname: "/api/orgs/acme/members/leave", headers: e2e }, E2E)).toBeNull();
  });

  it("leaves reads alone: a cross-site GET, HEAD or OPTIONS is not a write", () => {
    for (const method of ["GET", "HEAD", "OPTIONS"]) {
      const h = headers({ host: HOST, origin: "https://evil.example", "sec-fetch-site": "cross-site" });
      expect(edgeRefusal({ method, pathname: "/api/orgs/acme/agents", headers: h }, PUBLIC), method).toBeNull();
    }
  });
});
