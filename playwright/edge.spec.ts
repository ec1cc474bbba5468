import { randomBytes } from "node:crypto";
import { readFile, mkdtemp } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { networkInterfaces, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { db, disconnectDb } from "@gatehouse/db";
import { createTestOrg } from "@gatehouse/db/testing";
import { parse } from "yaml";
import { expect, test } from "./fixtures";
import { freePort, startService } from "./services";
import { readStack } from "./stack";

// The console's edge against DNS rebinding and development leftovers, over HTTP: every Host that is
// not the console's is refused before anything runs (a page, a route handler, the outbox), and the
// development outbox exists only in a process started for development (GATEHOUSE_DEVELOPMENT), never
// because SMTP_URL was left unset: the console is started here with docker-compose.yml's environment.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const WEB_DIR = join(ROOT, "apps/web");

interface RawAnswer {
  status: number;
  location: string | undefined;
  body: string;
}

/** A request with exactly these headers (fetch cannot send its own Host): what a rebound name or a forged header sends. */
function raw(base: string, path: string, headers: Record<string, string>, method = "GET"): Promise<RawAnswer> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** An address of this machine that is not loopback (as a LAN page would name it), or a documentation address. */
function otherInterface(): string {
  const found = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === "IPv4" && !a.internal);
  return found?.address ?? "192.0.2.10";
}

test.afterAll(async () => {
  await disconnectDb();
});

test.describe("Host allow-list (DNS rebinding)", () => {
  const stack = readStack();
  const own = new URL(stack.webUrl);
  const port = own.port;
  /** A page, a route handler (signed-in data), next-auth's session endpoint, the outbox, the sign-in page. */
  const PATHS = ["/", "/signin", "/api/orgs/acme/agents", "/api/auth/session", "/api/auth/csrf", "/dev/outbox"];
  const FOREIGN: Array<{ name: string; headers: Record<string, string> }> = [
    { name: "another name", headers: { host: "evil.example" } },
    { name: "another name on the console's port", headers: { host: `evil.example:${port}` } },
    { name: "a name that resolves to loopback (nip.io style)", headers: { host: `127.0.0.1.nip.io:${port}` } },
    { name: "a name under loopback's", headers: { host: `localhost.evil.example:${port}` } },
    { name: "the address of another interface", headers: { host: `${otherInterface()}:${port}` } },
    { name: "another loopback address", headers: { host: `127.0.0.2:${port}` } },
    { name: "another name in upper case", headers: { host: `EVIL.EXAMPLE:${port}` } },
    { name: "the console's name with a trailing dot", headers: { host: `127.0.0.1.:${port}` } },
    { name: "the console's name on another port", headers: { host: "127.0.0.1:1" } },
    { name: "X-Forwarded-Host naming another host", headers: { host: own.host, "x-forwarded-host": "evil.example" } },
    { name: "X-Forwarded-Host naming the console from a rebound name", headers: { host: `evil.example:${port}`, "x-forwarded-host": own.host } },
  ];

  for (const { name, headers } of FOREIGN) {
    test(`${name}: 421, plain, no redirect, on every path`, async () => {
      for (const path of PATHS) {
        const answer = await raw(stack.webUrl, path, headers);
        expect(answer.status, `${path}: ${answer.body.slice(0, 200)}`).toBe(421);
        expect(answer.location, path).toBeUndefined();
        expect(answer.body, path).toMatch(/^Misdirected request/);
      }
      // A write is refused the same way, before its Origin is even looked at.
      const write = await raw(stack.webUrl, "/api/orgs/acme/members/leave", { ...headers, origin: `http://${headers.host}`, "content-type": "application/json" }, "POST");
      expect(write.status).toBe(421);
    });
  }

  test("the console's own host, and its other loopback names, are answered; the health check answers any host", async () => {
    for (const host of [own.host, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      expect((await raw(stack.webUrl, "/api/auth/csrf", { host })).status, host).toBe(200);
      expect((await raw(stack.webUrl, "/signin", { host })).status, host).toBe(200);
      // The outbox is not there (this console was not started for development): 404 after the Host check.
      expect((await raw(stack.webUrl, "/dev/outbox", { host })).status, host).toBe(404);
    }
    expect((await raw(stack.webUrl, "/api/healthz", { host: "10.0.0.7:3000" })).status).toBe(200);
  });
});

/** docker-compose.yml's environment for the web service (the shared anchor merged), `${VAR:-default}` and `${VAR:?}` filled in. */
async function composeWebEnv(given: Record<string, string>): Promise<Record<string, string>> {
  const compose = parse(await readFile(join(ROOT, "docker-compose.yml"), "utf8"), { merge: true }) as { services: { web: { environment: Record<string, string> } } };
  const substitute = (value: string) =>
    value.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_match, name: string, kind: string | undefined, rest: string | undefined) => {
      const set = given[name];
      if (set !== undefined && set !== "") return set;
      if (kind === "?") throw new Error(`docker-compose.yml needs ${name} (${rest ?? ""}): give it in the test`);
      return kind === "-" ? (rest ?? "") : "";
    });
  return Object.fromEntries(Object.entries(compose.services.web.environment).map(([name, value]) => [name, substitute(String(value))]));
}

test.describe("development-only routes", () => {
  test("the console started as docker-compose.yml starts it (SMTP_URL empty, NODE_ENV=production) has no outbox; started for development it has", async () => {
    test.setTimeout(120_000);
    const org = await createTestOrg({ label: "outbox" });
    const logDir = await mkdtemp(join(tmpdir(), "gatehouse-edge-"));
    // The owner's password-reset mail, kept in the outbox as a console without SMTP keeps it: whoever reads it owns the account.
    const resetLink = `http://localhost:3000/reset-password?token=${randomBytes(16).toString("hex")}`;
    await db().devOutboxMessage.create({
      data: { id: `msg_${randomBytes(8).toString("hex")}`, to: org.owner.email, subject: "Reset your Gatehouse password", text: `Reset it: ${resetLink}` },
    });

    for (const development of [false, true]) {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      // What an operator puts in .env; the rest is the compose file's own defaults.
      const secrets = {
        POSTGRES_PASSWORD: "unused",
        POSTGRES_APP_PASSWORD: "unused",
        REDIS_PASSWORD: "unused",
        GATEHOUSE_MASTER_KEY: randomBytes(32).toString("base64"),
        AUTH_SECRET: randomBytes(32).toString("base64url"),
        GATEHOUSE_SIGNUP: "invite",
        // Production without SMTP_URL starts only with mail explicitly off (otherwise it refuses: scripts/test/compose-defaults.test.ts).
        ...(development ? {} : { MAIL_TRANSPORT: "off" }),
      };
      const env = await composeWebEnv({ ...secrets, GATEHOUSE_CONSOLE_URL: base });
      expect(env.SMTP_URL, "docker-compose.yml leaves SMTP_URL empty by default").toBe("");
      expect(env.GATEHOUSE_DEVELOPMENT).toBeUndefined();
      const web = startService({
        name: development ? "web-development" : "web-compose",
        command: join(ROOT, "node_modules/.bin/next"),
        args: ["start", "--port", String(port), "--hostname", "127.0.0.1"],
        cwd: WEB_DIR,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          ...env,
          NODE_ENV: "production",
          // This machine's database and Redis in place of the compose network's names, and a port of its own.
          DATABASE_URL: process.env.DATABASE_URL,
          REDIS_URL: "redis://127.0.0.1:6379",
          WEB_PORT: String(port),
          ...(development ? { GATEHOUSE_DEVELOPMENT: "1" } : {}),
        },
        logDir,
      });
      try {
        await web.waitUntilHealthy(`${base}/api/healthz`, 60_000);
        const outbox = await fetch(`${base}/dev/outbox`, { redirect: "manual" });
        const text = await outbox.text();
        if (development) {
          expect(outbox.status).toBe(200);
          expect(text).toContain(resetLink);
        } else {
          expect(outbox.status, text.slice(0, 200)).toBe(404);
          expect(text).not.toContain(resetLink);
        }
      } finally {
        await web.stop();
      }
    }
  });
});
