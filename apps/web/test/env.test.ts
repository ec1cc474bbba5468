import { describe, expect, it } from "vitest";
import { consoleServerEnv, parseEnv } from "../src/env";

const BASE = { DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/x", AUTH_SECRET: "s".repeat(32) };
const OIDC = { AUTH_OIDC_ISSUER: "https://login.example.com", AUTH_OIDC_CLIENT_ID: "console", AUTH_OIDC_CLIENT_SECRET: "secret" };

describe("the console's single sign-on environment", () => {
  it("takes all three AUTH_OIDC_* or none, naming what is missing", () => {
    expect(parseEnv(BASE).AUTH_OIDC_ISSUER).toBeUndefined();
    expect(parseEnv({ ...BASE, ...OIDC })).toMatchObject({ ...OIDC, AUTH_OIDC_NAME: "Single sign-on" });
    expect(() => parseEnv({ ...BASE, AUTH_OIDC_ISSUER: OIDC.AUTH_OIDC_ISSUER })).toThrow(/AUTH_OIDC_CLIENT_ID: is missing[\s\S]*AUTH_OIDC_CLIENT_SECRET: is missing/);
    expect(() => parseEnv({ ...BASE, ...OIDC, AUTH_OIDC_CLIENT_SECRET: "" })).toThrow(/AUTH_OIDC_CLIENT_SECRET: is missing/);
  });

  it("takes an https issuer, and plain http only on a loopback address", () => {
    expect(() => parseEnv({ ...BASE, ...OIDC, AUTH_OIDC_ISSUER: "http://login.example.com" })).toThrow(/AUTH_OIDC_ISSUER: must be an https URL/);
    expect(() => parseEnv({ ...BASE, ...OIDC, AUTH_OIDC_ISSUER: "http://127.0.0.1.example.com" })).toThrow(/AUTH_OIDC_ISSUER/);
    for (const issuer of ["http://127.0.0.1:4010", "http://localhost:4010/oidc", "http://[::1]:4010"]) {
      expect(parseEnv({ ...BASE, ...OIDC, AUTH_OIDC_ISSUER: issuer }).AUTH_OIDC_ISSUER).toBe(issuer);
    }
  });
});

describe("the console's edge environment", () => {
  it("is in development only when GATEHOUSE_DEVELOPMENT says so, never because something is unset", () => {
    expect(parseEnv(BASE).GATEHOUSE_DEVELOPMENT).toBe(false);
    expect(parseEnv({ ...BASE, SMTP_URL: "", GATEHOUSE_DEVELOPMENT: "" }).GATEHOUSE_DEVELOPMENT).toBe(false);
    expect(parseEnv({ ...BASE, GATEHOUSE_DEVELOPMENT: "0" }).GATEHOUSE_DEVELOPMENT).toBe(false);
    expect(parseEnv({ ...BASE, GATEHOUSE_DEVELOPMENT: "1" }).GATEHOUSE_DEVELOPMENT).toBe(true);
    expect(() => parseEnv({ ...BASE, GATEHOUSE_DEVELOPMENT: "yes" })).toThrow(/GATEHOUSE_DEVELOPMENT/);
  });

  it("takes an http(s) GATEHOUSE_CONSOLE_URL, and WEB_PORT as a port", () => {
    expect(parseEnv({ ...BASE, GATEHOUSE_CONSOLE_URL: "https://console.example.com" }).GATEHOUSE_CONSOLE_URL).toBe("https://console.example.com");
    expect(parseEnv({ ...BASE, GATEHOUSE_CONSOLE_URL: "" }).GATEHOUSE_CONSOLE_URL).toBeUndefined();
    expect(() => parseEnv({ ...BASE, GATEHOUSE_CONSOLE_URL: "javascript:alert(1)" })).toThrow(/GATEHOUSE_CONSOLE_URL/);
    expect(() => parseEnv({ ...BASE, GATEHOUSE_CONSOLE_URL: "console.example.com" })).toThrow(/GATEHOUSE_CONSOLE_URL/);
    expect(parseEnv(BASE).WEB_PORT).toBe(3000);
    expect(() => parseEnv({ ...BASE, WEB_PORT: "70000" })).toThrow(/WEB_PORT/);
  });
});

describe("the console's trusted proxies", () => {
  it("takes GATEHOUSE_TRUSTED_PROXIES as addresses / CIDR ranges, none by default", () => {
    expect(consoleServerEnv({}).GATEHOUSE_TRUSTED_PROXIES.entries).toEqual([]);
    expect(consoleServerEnv({ GATEHOUSE_TRUSTED_PROXIES: "10.0.0.1, fd00::/8" }).GATEHOUSE_TRUSTED_PROXIES.entries).toEqual(["10.0.0.1", "fd00::/8"]);
    expect(parseEnv({ ...BASE, GATEHOUSE_TRUSTED_PROXIES: "172.16.0.0/12" }).GATEHOUSE_TRUSTED_PROXIES.has("172.20.0.1")).toBe(true);
    expect(() => consoleServerEnv({ GATEHOUSE_TRUSTED_PROXIES: "true" })).toThrow(/GATEHOUSE_TRUSTED_PROXIES: "true" is not an address or a CIDR range/);
  });

  it("refuses the old hop count, which trusted whoever connected, naming its replacement", () => {
    expect(consoleServerEnv({ AUTH_TRUSTED_PROXY_HOPS: "0" }).GATEHOUSE_TRUSTED_PROXIES.entries).toEqual([]);
    expect(() => consoleServerEnv({ AUTH_TRUSTED_PROXY_HOPS: "1" })).toThrow(/AUTH_TRUSTED_PROXY_HOPS: is replaced by GATEHOUSE_TRUSTED_PROXIES/);
    expect(() => parseEnv({ ...BASE, AUTH_TRUSTED_PROXY_HOPS: "2" })).toThrow(/AUTH_TRUSTED_PROXY_HOPS: is replaced by GATEHOUSE_TRUSTED_PROXIES/);
  });
});
