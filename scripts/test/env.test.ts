import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { childEnv, EnvError, launcherEnv } from "../lib/env.ts";

const KEY = Buffer.alloc(32, 7).toString("base64");

describe("launcher environment", () => {
  it("defaults to ./.gatehouse, ports 4000 and 3000, the embedded database and no Redis", () => {
    expect(launcherEnv({})).toEqual({
      gatehouseHome: resolve(".gatehouse"),
      apiPort: 4000,
      webPort: 3000,
      databaseUrl: undefined,
      redisUrl: undefined,
      masterKey: undefined,
      authSecret: undefined,
    });
  });

  it("treats empty variables as unset", () => {
    expect(launcherEnv({ DATABASE_URL: "", REDIS_URL: " ", API_PORT: "" })).toMatchObject({ databaseUrl: undefined, redisUrl: undefined, apiPort: 4000 });
  });

  it("takes valid settings as given", () => {
    const env = launcherEnv({
      GATEHOUSE_HOME: "/tmp/gh",
      API_PORT: "4100",
      WEB_PORT: "3100",
      DATABASE_URL: "postgresql://u@db:5432/gatehouse",
      REDIS_URL: "redis://cache:6379",
      GATEHOUSE_MASTER_KEY: KEY,
      AUTH_SECRET: "x".repeat(32),
    });
    expect(env).toEqual({
      gatehouseHome: "/tmp/gh",
      apiPort: 4100,
      webPort: 3100,
      databaseUrl: "postgresql://u@db:5432/gatehouse",
      redisUrl: "redis://cache:6379",
      masterKey: KEY,
      authSecret: "x".repeat(32),
    });
  });

  it("lists every invalid setting in one error", () => {
    const read = () =>
      launcherEnv({ API_PORT: "http", WEB_PORT: "70000", DATABASE_URL: "mysql://db", REDIS_URL: "not a url", GATEHOUSE_MASTER_KEY: "c2hvcnQ=", AUTH_SECRET: "short" });
    expect(read).toThrow(EnvError);
    expect(read).toThrow(/API_PORT[\s\S]*WEB_PORT[\s\S]*DATABASE_URL[\s\S]*REDIS_URL/);
    expect(read).toThrow(/GATEHOUSE_MASTER_KEY: must be 32 bytes in base64/);
    expect(read).toThrow(/AUTH_SECRET: must be at least 32 characters/);
  });

  it("refuses the same port for the API and the console", () => {
    expect(() => launcherEnv({ API_PORT: "3000" })).toThrow(/must differ/);
  });
});

describe("child environment", () => {
  it("applies changes, removes variables set to undefined and drops what the filter picks", () => {
    const source = { PATH: "/bin", DATABASE_URL: "", VITEST_WORKER_ID: "1", KEEP: "yes" };
    const env = childEnv({ DATABASE_URL: undefined, API_PORT: "4000" }, { source, drop: (name) => name.startsWith("VITEST") });
    expect(env).toEqual({ PATH: "/bin", KEEP: "yes", API_PORT: "4000" });
  });
});
