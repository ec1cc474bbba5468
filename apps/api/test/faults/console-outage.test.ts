import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { disconnectDb } from "@gatehouse/db";
import { migrate } from "@gatehouse/db/migrate";
import { createTestOrg, freePort, type TestOrg } from "@gatehouse/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, startService, type Service } from "../../../../playwright/services";
import { sleep, startPrivatePostgres, type PrivatePostgres } from "./services";

/**
 * The console during a database outage (issue 26): a private PostgreSQL stopped under a running
 * console (`npm run web`, the built console behind its own server). Its member routes answer what the
 * API answers for the same outage: 503 UNAVAILABLE with Retry-After in the one error envelope (never
 * a 500), and they answer again once the database is back. Set GATEHOUSE_E2E_SKIP_BUILD=1 to reuse a
 * build of the console.
 */
const ROOT = fileURLToPath(new URL("../../../..", import.meta.url));

let pgsql: PrivatePostgres;
let org: TestOrg;
let web: Service | undefined;
let webUrl: string;
let workDir: string;
let session: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "gh-faults-console-"));
  if (process.env.GATEHOUSE_E2E_SKIP_BUILD !== "1") {
    await run(join(ROOT, "node_modules/.bin/turbo"), ["run", "build", "--filter=@gatehouse/web", "--output-logs=errors-only"], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: undefined, NEXT_TELEMETRY_DISABLED: "1", TURBO_TELEMETRY_DISABLED: "1" },
    });
  }
  pgsql = await startPrivatePostgres();
  await migrate({ url: pgsql.url });
  process.env.DATABASE_URL = pgsql.url;
  org = await createTestOrg({ label: "console-outage" });
  // This process is done with the database: only the console's connections see the outage.
  await disconnectDb();

  const port = await freePort();
  webUrl = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: pgsql.url,
    DATABASE_CONNECT_TIMEOUT_MS: "1000",
    GATEHOUSE_HOME: join(workDir, "home"),
    GATEHOUSE_MASTER_KEY: randomBytes(32).toString("base64"),
    GATEHOUSE_CONSOLE_URL: webUrl,
    GATEHOUSE_SIGNUP: "open",
    MAIL_TRANSPORT: "off",
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    AUTH_TRUST_HOST: "true",
    WEB_PORT: String(port),
    WEB_HOST: "127.0.0.1",
  };
  // Without Redis, as `npm start` runs: every request's reads go to the database alone.
  for (const name of ["REDIS_URL", "SMTP_URL"]) delete env[name];
  web = startService({ name: "web", command: "npm", args: ["run", "--silent", "web"], cwd: ROOT, env, logDir: workDir });
  await web.waitUntilHealthy(`${webUrl}/api/healthz`, 90_000);
  session = await signIn();
}, 900_000);

afterAll(async () => {
  await web?.stop();
  pgsql?.destroy();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const cookiesOf = (response: Response) => response.headers.getSetCookie().map((line) => line.split(";")[0] ?? "");

/** The owner's session cookie, from the credentials sign-in as a browser posts it. */
async function signIn(): Promise<string> {
  const csrf = await fetch(`${webUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const answer = await fetch(`${webUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: cookiesOf(csrf).join("; "), "content-type": "application/x-www-form-urlencoded", origin: webUrl },
    body: new URLSearchParams({ csrfToken, email: org.owner.email, password: org.owner.password, callbackUrl: webUrl }).toString(),
  });
  const cookie = cookiesOf(answer).find((c) => c.includes("session-token="));
  if (!cookie) throw new Error(`sign-in gave no session (${answer.status})`);
  return cookie;
}

interface Answer {
  status: number;
  retryAfter: string | null;
  requestIdHeader: string | null;
  body: { error?: { code: string; message: string; requestId: string } } | null;
}

/** A member route of the console: a read (the agents list) or a write (creating an agent, a JSON body). */
async function call(kind: "read" | "write"): Promise<Answer> {
  const response = await fetch(`${webUrl}/api/orgs/${org.org.slug}/agents`, {
    method: kind === "read" ? "GET" : "POST",
    headers: { cookie: session, origin: webUrl, ...(kind === "write" ? { "content-type": "application/json" } : {}) },
    ...(kind === "write" ? { body: JSON.stringify({ name: `outage-${randomBytes(3).toString("hex")}` }) } : {}),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let body: Answer["body"] = null;
  try {
    body = JSON.parse(text) as Answer["body"];
  } catch {
    body = null;
  }
  return { status: response.status, retryAfter: response.headers.get("retry-after"), requestIdHeader: response.headers.get("x-request-id"), body };
}

describe("the console during a database outage", () => {
  it("answers its member routes while the database is up", async () => {
    expect((await call("read")).status).toBe(200);
    expect((await call("write")).status).toBe(200);
  });

  it("answers 503 UNAVAILABLE with Retry-After in the API's envelope while the database is down, then recovers", async () => {
    pgsql.stop("fast");
    try {
      for (const kind of ["read", "write"] as const) {
        // The first call after the stop may meet a pooled connection the server just closed; both kinds are outages.
        for (let i = 0; i < 3; i += 1) {
          const answer = await call(kind);
          expect({ kind, status: answer.status, retryAfter: answer.retryAfter, code: answer.body?.error?.code }).toEqual({
            kind,
            status: 503,
            retryAfter: "2",
            code: "UNAVAILABLE",
          });
          expect(answer.body?.error?.requestId).toMatch(/^req_/);
          expect(answer.requestIdHeader).toBe(answer.body?.error?.requestId);
          expect(answer.body?.error?.message).toBe("a dependency of this request (the database) is unavailable or not answering; try again shortly");
        }
      }
    } finally {
      pgsql.start();
    }
    // Back: the same session reads and writes again, with no restart of the console.
    const deadline = Date.now() + 30_000;
    let last: Answer = await call("read");
    while (last.status !== 200 && Date.now() < deadline) {
      await sleep(250);
      last = await call("read");
    }
    expect(last.status).toBe(200);
    expect((await call("write")).status).toBe(200);
  });
});
