import { describe, expect, it } from "vitest";
import { parseEnv } from "../src/env";

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
