import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { childEnv, connectUrl, displayUrl, EnvError, launcherEnv } from "../lib/env.ts";
import { formatLogLine } from "../lib/log-format.ts";

const KEY = Buffer.alloc(32, 7).toString("base64");

describe("launcher environment", () => {
  it("defaults to ./.gatehouse, ports 4000 and 3000 on 127.0.0.1, the embedded database, no Redis and readable logs", () => {
    expect(launcherEnv({})).toEqual({
      gatehouseHome: resolve(".gatehouse"),
      apiPort: 4000,
      webPort: 3000,
      apiHost: "127.0.0.1",
      webHost: "127.0.0.1",
      databaseUrl: undefined,
      redisUrl: undefined,
      masterKey: undefined,
      authSecret: undefined,
      logLevel: undefined,
      logFormat: "pretty",
    });
  });

  it("listens where API_HOST and WEB_HOST say (an empty one is the 127.0.0.1 default)", () => {
    expect(launcherEnv({ API_HOST: "0.0.0.0", WEB_HOST: "" })).toMatchObject({ apiHost: "0.0.0.0", webHost: "127.0.0.1" });
    expect(() => launcherEnv({ WEB_HOST: "not a host" })).toThrow(/WEB_HOST: must be a host name or an IP address/);
  });

  it("reaches a wildcard address on the loopback, and shows this machine as localhost", () => {
    expect(connectUrl("0.0.0.0", 4000)).toBe("http://127.0.0.1:4000");
    expect(connectUrl("127.0.0.1", 4000)).toBe("http://127.0.0.1:4000");
    expect(connectUrl("::1", 4000)).toBe("http://[::1]:4000");
    expect(displayUrl("127.0.0.1", 3000)).toBe("http://localhost:3000");
    expect(displayUrl("0.0.0.0", 3000)).toBe("http://localhost:3000");
    expect(displayUrl("192.168.1.20", 3000)).toBe("http://192.168.1.20:3000");
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
      LOG_LEVEL: "debug",
      LOG_FORMAT: "json",
    });
    expect(env).toEqual({
      gatehouseHome: "/tmp/gh",
      apiPort: 4100,
      webPort: 3100,
      apiHost: "127.0.0.1",
      webHost: "127.0.0.1",
      logLevel: "debug",
      logFormat: "json",
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

describe("log lines for a terminal", () => {
  it("writes a pino record as one readable line", () => {
    const line = JSON.stringify({ level: 40, time: 1, pid: 7, hostname: "h", role: "worker", msg: "redis unavailable", reqId: "req_1", err: { message: "ECONNREFUSED" } });
    expect(formatLogLine(line)).toBe('warn  redis unavailable  reqId=req_1 err="ECONNREFUSED"');
    expect(formatLogLine(JSON.stringify({ level: 30, msg: "leading: running the jobs" }))).toBe("info  leading: running the jobs");
  });

  it("leaves any other line as it is", () => {
    expect(formatLogLine("▲ Next.js 16")).toBe("▲ Next.js 16");
    expect(formatLogLine("{not json")).toBe("{not json");
    expect(formatLogLine('{"a":1}')).toBe('{"a":1}');
  });
});
