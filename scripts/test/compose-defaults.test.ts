import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { hashPassword, newId } from "@gatehouse/core";
import { db, disconnectDb } from "@gatehouse/db";
import { migrate } from "@gatehouse/db/migrate";
import { createTestDatabase, createTestOrg, freePort, type TestOrg } from "@gatehouse/db/testing";
import { parseDocument } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkIn, waitForMail } from "../../playwright/mail.ts";
import { startService, type Service } from "../../playwright/services.ts";
import { startSmtpServer } from "../../playwright/smtp.ts";

// docker-compose.yml as shipped, tested the way it runs: the web and api services' environment, as
// compose gives it (docker-compose.yml parsed, ${…} filled in from test values for the variables it
// requires), NODE_ENV=production as the images set it; the built console and the API started with it.
// What a user who copies the file gets: no development route, mailed links on the configured origin
// whatever the request's headers say, and processes that refuse to start without a safety setting.

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WEB_DIR = join(ROOT, "apps/web");
const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test";

type Environment = Record<string, string>;
interface ComposeService {
  environment?: Record<string, string | number | boolean>;
  ports?: string[];
  command?: string[];
}

/** docker-compose.yml with its anchors and merge keys resolved, ${…} not yet filled in. */
async function composeFile(): Promise<{ services: Record<string, ComposeService> }> {
  const document = parseDocument(await readFile(join(ROOT, "docker-compose.yml"), "utf8"), { merge: true });
  return document.toJS({ maxAliasCount: 100 }) as { services: Record<string, ComposeService> };
}

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $$. */
function interpolate(text: string, values: Environment): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g, (match, name: string | undefined, colon: string, op: string, word: string) => {
    if (!name) return "$";
    const value = values[name];
    const unset = value === undefined || (colon === ":" && value === "");
    if (op === "?" && unset) throw new Error(`required variable ${name} is missing a value: ${word}`);
    if (op === "-" && unset) return word;
    return value ?? "";
  });
}

/** A service's environment as compose gives the container. */
function serviceEnvironment(service: ComposeService, values: Environment): Environment {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([name, value]) => [name, interpolate(String(value), values)]));
}

/** What a `.env` holds in this test: every variable the compose file requires, with test values. */
function requiredValues(webPort: number, smtpUrl: string): Environment {
  return {
    POSTGRES_PASSWORD: randomBytes(12).toString("hex"),
    POSTGRES_APP_PASSWORD: randomBytes(12).toString("hex"),
    REDIS_PASSWORD: randomBytes(12).toString("hex"),
    GATEHOUSE_MASTER_KEY: randomBytes(32).toString("base64"),
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    GATEHOUSE_CONSOLE_URL: `http://127.0.0.1:${webPort}`,
    // Open, so the verification mail can be asked for below (compose requires a choice, not this one).
    GATEHOUSE_SIGNUP: "open",
    SMTP_URL: smtpUrl,
  };
}
const REQUIRED = ["POSTGRES_PASSWORD", "POSTGRES_APP_PASSWORD", "REDIS_PASSWORD", "GATEHOUSE_MASTER_KEY", "AUTH_SECRET", "GATEHOUSE_CONSOLE_URL", "GATEHOUSE_SIGNUP"] as const;

/** The compose file's redis command, run on this machine at a free port with its data in `dir`. */
async function startComposeRedis(redis: ComposeService, environment: Environment, dir: string, logDir: string): Promise<{ service: Service; port: number }> {
  const port = await freePort();
  const [shell, flag, script] = redis.command ?? [];
  if (shell !== "sh" || flag !== "-c" || !script) throw new Error(`unexpected redis command: ${JSON.stringify(redis.command)}`);
  const command = `${interpolate(script, {})} --port ${port} --bind 127.0.0.1 --dir ${dir}`;
  const service = startService({ name: "redis", command: "sh", args: ["-c", command], cwd: dir, env: { ...process.env, ...environment }, logDir });
  for (let i = 0; i < 100 && (await redisSays(port, "PING\r\n")) === ""; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  return { service, port };
}

/** Sends raw RESP to Redis on 127.0.0.1:port and answers its first reply line ("" if it does not answer). */
function redisSays(port: number, command: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let data = "";
    socket.on("data", (chunk: Buffer) => {
      data += chunk.toString();
      if (data.includes("\r\n")) socket.end();
    });
    socket.on("connect", () => socket.write(command));
    socket.on("error", () => resolve(""));
    socket.on("close", () => resolve(data.split("\r\n")[0] ?? ""));
  });
}

/** Runs a service's entry point with `env` until it exits (or 60 s pass): its exit code and output. */
function runUntilExit(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    }, 60_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** An HTTP request with full control of its headers (Host included), as an attacker sends it. */
function send(
  url: string,
  options: { method: string; headers: Record<string, string>; body?: Buffer },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method,
        headers: { ...options.headers, ...(options.body ? { "content-length": String(options.body.length) } : {}) },
        setHost: !("host" in options.headers),
      },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** The ways a request can say it came to another host (or scheme); each names evil.example. */
const HOSTILE: Array<[string, Record<string, string>]> = [
  ["Host", { host: "evil.example" }],
  ["X-Forwarded-Host", { "x-forwarded-host": "evil.example" }],
  ["X-Forwarded-Host and X-Forwarded-Proto", { "x-forwarded-host": "evil.example, 127.0.0.1", "x-forwarded-proto": "https" }],
  ["X-Forwarded-Proto", { "x-forwarded-proto": "https", "x-forwarded-port": "443" }],
  ["Forwarded", { forwarded: "for=203.0.113.7;host=evil.example;proto=https" }],
  ["X-Original-Host", { "x-original-host": "evil.example", "x-original-url": "https://evil.example/" }],
];

/**
 * The Origin a crafted request carries so that Next's own check (Origin equals X-Forwarded-Host, else
 * Host) lets it through: the attacker controls both.
 */
function originFor(headers: Record<string, string>, realHost: string): string {
  const forwarded = headers["x-forwarded-host"]?.split(",")[0]?.trim();
  return `http://${forwarded ?? headers.host ?? realHost}`;
}

let workDir: string;
let webUrl: string;
let apiUrl: string;
let mailDir: string;
let configured: string;
let org: TestOrg;
let actions: Record<string, { id: string; page: string }>;
const cleanups: Array<() => Promise<void>> = [];
/** The web and api services' environment as compose gives them, pointed at this machine's services. */
let webEnv: NodeJS.ProcessEnv;
let apiEnv: NodeJS.ProcessEnv;
let compose: { services: Record<string, ComposeService> };
let values: Environment;
let redisPort: number;
/** Where the API's and the console's metrics listen here (compose's 9464 and 9466 are for containers). */
let apiMetricsUrl: string;
let webMetricsUrl: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "gatehouse-compose-"));
  cleanups.push(() => rm(workDir, { recursive: true, force: true }));
  // The console is built by the launcher project's global setup (scripts/test/console-build.global-setup.ts).
  actions = await serverActions();

  mailDir = join(workDir, "mail");
  const smtp = await startSmtpServer(mailDir);
  cleanups.push(smtp.stop);
  const [webPort, apiPort, apiMetricsPort, webMetricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  webUrl = `http://127.0.0.1:${webPort}`;
  apiUrl = `http://127.0.0.1:${apiPort}`;
  apiMetricsUrl = `http://127.0.0.1:${apiMetricsPort}/metrics`;
  webMetricsUrl = `http://127.0.0.1:${webMetricsPort}/metrics`;
  values = requiredValues(webPort, smtp.url);
  configured = values.GATEHOUSE_CONSOLE_URL ?? "";

  compose = await composeFile();
  const [web, api, redis] = [compose.services.web, compose.services.api, compose.services.redis];
  if (!web || !api || !redis) throw new Error("docker-compose.yml has no web, api or redis service");

  // The compose file's Redis, with its password; the services reach it through the REDIS_URL compose gives them.
  const redisServer = await startComposeRedis(redis, serviceEnvironment(redis, values), workDir, workDir);
  cleanups.push(() => redisServer.service.stop());
  redisPort = redisServer.port;
  const onThisMachine = (environment: Environment) => ({
    ...environment,
    REDIS_URL: (environment.REDIS_URL ?? "").replace("@redis:6379", `@127.0.0.1:${redisServer.port}`),
  });

  const database = await createTestDatabase(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL, "gatehouse_compose");
  cleanups.push(database.drop);
  await migrate({ url: database.url });
  // This process writes the test org through the process-wide client.
  process.env.DATABASE_URL = database.url;
  process.env.GATEHOUSE_MASTER_KEY = values.GATEHOUSE_MASTER_KEY;
  cleanups.push(disconnectDb);
  org = await createTestOrg({ label: "compose" });

  // As the images run them (NODE_ENV=production in both Dockerfiles), on this machine's database and ports.
  const local = { DATABASE_URL: database.url, GATEHOUSE_HOME: join(workDir, "home"), NODE_ENV: "production", PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };
  // The metrics listen where compose puts them (every interface of the container) but on free ports of this machine's loopback.
  const metricsHere = (variable: string, port: number) => ({ [variable]: String(port), METRICS_HOST: "127.0.0.1" });
  apiEnv = {
    ...onThisMachine(serviceEnvironment(api, values)),
    ...local,
    API_PORT: String(apiPort),
    API_HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    ...metricsHere("API_METRICS_PORT", apiMetricsPort),
  };
  webEnv = { ...onThisMachine(serviceEnvironment(web, values)), ...local, WEB_PORT: String(webPort), ...metricsHere("WEB_METRICS_PORT", webMetricsPort) };

  const apiService = startService({ name: "api", command: "npm", args: ["run", "api"], cwd: ROOT, env: apiEnv, logDir: workDir });
  cleanups.push(() => apiService.stop());
  // The image's CMD: the console's own server (apps/web/server.ts), which sets the client address.
  const webService = startService({ name: "web", command: "npm", args: ["run", "--silent", "web"], cwd: ROOT, env: { ...webEnv, WEB_HOST: "127.0.0.1" }, logDir: workDir });
  cleanups.push(() => webService.stop());
  await Promise.all([apiService.waitUntilHealthy(`${apiUrl}/healthz`, 90_000), webService.waitUntilHealthy(`${webUrl}/api/healthz`, 90_000)]);
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error("[compose-defaults] cleanup failed:", error));
});

/** The built console's server actions this test calls, by exported name: their ids and a page that serves them. */
async function serverActions(): Promise<Record<string, { id: string; page: string }>> {
  const manifest = JSON.parse(await readFile(join(WEB_DIR, ".next/server/server-reference-manifest.json"), "utf8")) as {
    node: Record<string, { workers: Record<string, unknown>; filename?: string; exportedName?: string }>;
  };
  const wanted: Record<string, string> = {
    forgotPasswordAction: "apps/web/src/app/forgot-password/actions.ts",
    signUpAction: "apps/web/src/app/signup/actions.ts",
    resendAction: "apps/web/src/app/verify-email/actions.ts",
  };
  const found: Record<string, { id: string; page: string }> = {};
  for (const [id, entry] of Object.entries(manifest.node)) {
    if (!entry.exportedName || wanted[entry.exportedName] !== entry.filename) continue;
    const page = Object.keys(entry.workers).find((worker) => worker.endsWith("/page") && !worker.includes("["));
    if (page) found[entry.exportedName] = { id, page: page.replace(/^app/, "").replace(/\/page$/, "") || "/" };
  }
  for (const name of Object.keys(wanted)) if (!found[name]) throw new Error(`the built console has no server action ${name}`);
  return found;
}

/**
 * Calls a console form action (useActionState: previous state, then the form) the way the browser's
 * runtime does; answers the status (200, or 303 when the action redirects).
 */
async function callAction(name: string, fields: Record<string, string>, hostile: Record<string, string>): Promise<number> {
  const action = actions[name];
  if (!action) throw new Error(`no action ${name}`);
  const form = new FormData();
  // The form's fields first, then the arguments ("$K1": the form), last, as React's encodeReply sends them.
  for (const [field, value] of Object.entries(fields)) form.append(`_1_${field}`, value);
  form.append("0", JSON.stringify([{ error: null, fields: {}, values: {} }, "$K1"]));
  const encoded = new Response(form);
  const realHost = new URL(webUrl).host;
  const response = await send(`${webUrl}${action.page}`, {
    method: "POST",
    headers: { "next-action": action.id, accept: "text/x-component", "content-type": encoded.headers.get("content-type") ?? "", origin: originFor(hostile, realHost), ...hostile },
    body: Buffer.from(await encoded.arrayBuffer()),
  });
  return response.status;
}

const PASSWORD = "a good long password";

let session: string | undefined;
/** The org owner's session cookie, signed in through the console's credentials form (once). */
async function signedIn(): Promise<string> {
  if (session) return session;
  const cookiesOf = (headers: Record<string, string | string[] | undefined>) => [headers["set-cookie"] ?? []].flat().map((line) => line.split(";")[0] ?? "");
  const csrf = await send(`${webUrl}/api/auth/csrf`, { method: "GET", headers: {} });
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
  const form = new URLSearchParams({ csrfToken, email: org.owner.email, password: org.owner.password, callbackUrl: webUrl });
  const signIn = await send(`${webUrl}/api/auth/callback/credentials`, {
    method: "POST",
    headers: { cookie: cookiesOf(csrf.headers).join("; "), "content-type": "application/x-www-form-urlencoded", origin: configured },
    body: Buffer.from(form.toString()),
  });
  const sessionCookie = cookiesOf(signIn.headers).find((cookie) => cookie.includes("session-token="));
  if (!sessionCookie) throw new Error(`sign-in gave no session (${signIn.status}): ${JSON.stringify(signIn.headers)}`);
  session = sessionCookie;
  return session;
}
const freshEmail = (label: string) => `${label}-${randomBytes(4).toString("hex")}@example.test`;

/** An account waiting for verification, with no link sent yet. */
async function unverifiedAccount(label: string): Promise<string> {
  const email = freshEmail(label);
  await db().user.create({ data: { id: newId("user"), email, name: "Compose Test", passwordHash: await hashPassword(PASSWORD), emailVerifiedAt: null } });
  return email;
}

/** Each mail the console sends for a request from anyone: sends it with the hostile headers; the answer's status, the address and the link's path. */
const CONSOLE_MAILS: Array<[string, (hostile: Record<string, string>) => Promise<{ status: number; to: string; subject: RegExp; path: RegExp }>]> = [
  [
    "password reset",
    async (hostile) => {
      const to = await unverifiedAccount("reset");
      return { status: await callAction("forgotPasswordAction", { email: to }, hostile), to, subject: /password/i, path: /\/reset-password\?token=/ };
    },
  ],
  [
    "verification (sign-up)",
    async (hostile) => {
      const to = freshEmail("signup");
      const status = await callAction("signUpAction", { name: "Compose Test", email: to, password: PASSWORD }, hostile);
      return { status, to, subject: /verify|confirm/i, path: /\/verify-email\?token=/ };
    },
  ],
  [
    "verification (resend)",
    async (hostile) => {
      const to = await unverifiedAccount("resend");
      return { status: await callAction("resendAction", { email: to }, hostile), to, subject: /verify|confirm/i, path: /\/verify-email\?token=/ };
    },
  ],
];

/** A request that names another host than the console's: the console's edge refuses it (421) before any page, action or handler runs. */
const namesAnotherHost = (hostile: Record<string, string>) => "host" in hostile || "x-forwarded-host" in hostile;

/** Nothing was done for `email`: no account made, no link issued (the request never reached the action). */
async function nothingDoneFor(email: string): Promise<void> {
  const user = await db().user.findUnique({ where: { email }, select: { id: true } });
  if (user) expect(await db().accountToken.count({ where: { userId: user.id } })).toBe(0);
}

describe("docker-compose.yml as shipped", () => {
  it("publishes every port on 127.0.0.1 only", () => {
    const published = Object.entries(compose.services).flatMap(([name, service]) => (service.ports ?? []).map((port) => [name, port] as const));
    expect(published.length).toBeGreaterThan(0);
    for (const [name, port] of published) expect(port, `${name} publishes ${port}`).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it("runs Redis with a password that every service's REDIS_URL carries, and no service trusts the Host header", () => {
    const redisCommand = interpolate((compose.services.redis?.command ?? []).join(" "), {});
    expect(redisCommand).toContain('--requirepass "$REDIS_PASSWORD"');
    for (const name of ["api", "worker", "web"]) {
      const environment = serviceEnvironment(compose.services[name] ?? {}, values);
      expect(environment.REDIS_URL, name).toBe(`redis://:${values.REDIS_PASSWORD}@redis:6379`);
      expect(environment, name).not.toHaveProperty("AUTH_TRUST_HOST");
      expect(environment.GATEHOUSE_CONSOLE_URL, name).toBe(configured);
    }
    expect(webEnv.AUTH_URL).toBe(configured);
    // Nobody's X-Forwarded-For is believed until a proxy is named (docs/adr/0017).
    expect(webEnv.GATEHOUSE_TRUSTED_PROXIES).toBe("");
    expect(apiEnv.GATEHOUSE_TRUSTED_PROXIES).toBe("");
  });

  it("gives each process a metrics port of its own, on every interface of its container, and publishes none of them", () => {
    const ports = { api: ["API_METRICS_PORT", "9464"], worker: ["WORKER_HEALTH_PORT", "9465"], web: ["WEB_METRICS_PORT", "9466"] } as const;
    for (const [name, [variable, port]] of Object.entries(ports)) {
      const environment = serviceEnvironment(compose.services[name] ?? {}, values);
      expect(environment[variable], name).toBe(port);
      expect(environment.METRICS_HOST, name).toBe("0.0.0.0");
      expect(compose.services[name]?.ports ?? [], name).not.toContainEqual(expect.stringContaining(port));
    }
  });

  it("answers no one who does not give the Redis password", async () => {
    expect(await redisSays(redisPort, "PING\r\n")).toMatch(/^-NOAUTH/);
    expect(await redisSays(redisPort, "AUTH not-the-password\r\n")).toMatch(/^-WRONGPASS/);
    expect(await redisSays(redisPort, `AUTH ${values.REDIS_PASSWORD}\r\n`)).toBe("+OK");
  });

  it.each(REQUIRED)("refuses to start without %s (compose names it)", (name) => {
    const { [name]: _left, ...rest } = values;
    expect(() => Object.values(compose.services).map((service) => serviceEnvironment(service, rest))).toThrow(new RegExp(`required variable ${name} is missing`));
    expect(() => Object.values(compose.services).map((service) => serviceEnvironment(service, { ...rest, [name]: "" }))).toThrow(
      new RegExp(`required variable ${name} is missing`),
    );
  });
});

describe("the console and the API started with the compose environment", () => {
  it("serve their metrics on their metrics ports, and /metrics is 404 on their public ports", async () => {
    for (const [url, family] of [
      [apiMetricsUrl, "gatehouse_decisions_total"],
      [webMetricsUrl, "gatehouse_console_requests_total"],
    ] as const) {
      const response = await fetch(url);
      expect(response.status, url).toBe(200);
      expect(response.headers.get("content-type"), url).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(await response.text(), url).toContain(`# TYPE ${family} counter`);
    }
    const api = await fetch(`${apiUrl}/metrics`);
    expect(api.status).toBe(404);
    expect(await api.text()).not.toContain("# TYPE");
    // The console has no /metrics page: a visitor is sent to sign in, as for any page, and a member finds nothing.
    const visitor = await fetch(`${webUrl}/metrics`, { redirect: "manual" });
    expect([302, 303, 307]).toContain(visitor.status);
    expect(visitor.headers.get("location")).toContain("/signin");
    const member = await send(`${webUrl}/metrics`, { method: "GET", headers: { cookie: await signedIn() } });
    expect(member.status).toBe(404);
    expect(member.body).not.toContain("# TYPE");
  });

  it("has no development route: /dev/outbox is 404 (421 for another host name), whatever the request says", async () => {
    for (const [label, hostile] of [["plain", {}] as [string, Record<string, string>], ...HOSTILE]) {
      const response = await send(`${webUrl}/dev/outbox`, { method: "GET", headers: hostile });
      expect(response.status, label).toBe(namesAnotherHost(hostile) ? 421 : 404);
      expect(response.body, label).not.toContain("Development outbox");
    }
  });

  for (const [kind, ask] of CONSOLE_MAILS) {
    it.each(HOSTILE)(`mails the ${kind} link on GATEHOUSE_CONSOLE_URL, or refuses the request, with a hostile %s header`, async (_label, hostile) => {
      const { status, to, subject, path } = await ask(hostile);
      if (namesAnotherHost(hostile)) {
        expect(status).toBe(421);
        await nothingDoneFor(to);
        return;
      }
      expect(status).toBeLessThan(400);
      const mail = await waitForMail(mailDir, to, subject);
      const link = linkIn(mail, path);
      expect(new URL(link).origin).toBe(configured);
      expect(mail.text).not.toContain("evil.example");
    });
  }

  it.each(HOSTILE)("mails the invitation link on GATEHOUSE_CONSOLE_URL, or refuses the request, when the console is asked with a hostile %s header", async (_label, hostile) => {
    const cookie = await signedIn();
    const to = freshEmail("invited-console");
    const response = await send(`${webUrl}/api/orgs/${org.org.slug}/invitations`, {
      method: "POST",
      // A same-origin request of a signed-in owner, with the hostile header added on the way (a proxy that passes it on).
      headers: { cookie, "content-type": "application/json", origin: configured, "sec-fetch-site": "same-origin", ...hostile },
      body: Buffer.from(JSON.stringify({ email: to, role: "viewer" })),
    });
    if (namesAnotherHost(hostile)) {
      expect(response.status, response.body).toBe(421);
      expect(await db().invitation.count({ where: { email: to } })).toBe(0);
      return;
    }
    expect(response.status, response.body).toBeLessThan(300);
    // The answer never carries the link: it goes to the invitee's mail only.
    expect(response.body).not.toContain("/invite/");
    const link = linkIn(await waitForMail(mailDir, to, /invit/i), /\/invite\//);
    expect(new URL(link).origin).toBe(configured);
  });

  it.each(HOSTILE)("mails the invitation link on GATEHOUSE_CONSOLE_URL when the API is asked with a hostile %s header", async (_label, hostile) => {
    const to = freshEmail("invited");
    const body = Buffer.from(JSON.stringify({ email: to, role: "viewer" }));
    const response = await send(`${apiUrl}/v1/admin/invitations`, {
      method: "POST",
      headers: { authorization: `Bearer ${org.adminKey.apiKey}`, "content-type": "application/json", ...hostile },
      body,
    });
    expect(response.status, response.body).toBe(201);
    expect(response.body).not.toContain("/invite/");
    const link = linkIn(await waitForMail(mailDir, to, /invit/i), /\/invite\//);
    expect(new URL(link).origin).toBe(configured);
  });

  it("sign-in limits count the socket's address, whatever X-Forwarded-For says; the owner's browser (device cookie) still signs in", async () => {
    const cookiesOf = (headers: Record<string, string | string[] | undefined>) => [headers["set-cookie"] ?? []].flat().map((line) => line.split(";")[0] ?? "");
    const attempt = async (email: string, password: string, extra: Record<string, string>, cookies: string[] = []) => {
      const csrf = await send(`${webUrl}/api/auth/csrf`, { method: "GET", headers: extra });
      const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
      const form = new URLSearchParams({ csrfToken, email, password, callbackUrl: webUrl });
      const answer = await send(`${webUrl}/api/auth/callback/credentials`, {
        method: "POST",
        headers: { ...extra, cookie: [...cookiesOf(csrf.headers), ...cookies].join("; "), "content-type": "application/x-www-form-urlencoded", origin: configured },
        body: Buffer.from(form.toString()),
      });
      return { location: String(answer.headers.location ?? ""), cookies: cookiesOf(answer.headers) };
    };
    // The owner signs in first: the browser keeps its device cookie.
    const first = await attempt(org.owner.email, org.owner.password, {});
    const device = first.cookies.filter((cookie) => cookie.startsWith("gh-device-"));
    expect(device, first.location).toHaveLength(1);

    const spoofs = [
      () => ({ "x-forwarded-for": `198.51.100.${randomBytes(1)[0]}` }),
      () => ({ "x-forwarded-for": "not-an-address" }),
      () => ({ "x-forwarded-for": `203.0.113.9, 198.51.100.${randomBytes(1)[0]}` }),
      () => ({ "x-forwarded-for": `2001:db8::${randomBytes(2).toString("hex")}` }),
      () => ({ "x-forwarded-for": `::ffff:198.51.100.${randomBytes(1)[0]}` }),
      () => ({ "x-real-ip": `198.51.100.${randomBytes(1)[0]}`, forwarded: "for=198.51.100.1" }),
    ];
    // A spray: one wrong password for each of many accounts, each with another forged client address.
    const answers: string[] = [];
    for (let i = 0; i < 25; i += 1) answers.push((await attempt(freshEmail("spray"), "a wrong password", spoofs[i % spoofs.length]!())).location);
    const limited = answers.map((location) => location.includes("code=rate_limited"));
    expect(limited.indexOf(true), answers.join("\n")).toBeGreaterThan(0);
    expect(limited.slice(limited.indexOf(true))).not.toContain(false);

    // The address is refused, but the owner's browser with its device cookie is not.
    const again = await attempt(org.owner.email, org.owner.password, {}, device);
    expect(
      again.cookies.some((cookie) => cookie.includes("session-token=")),
      again.location,
    ).toBe(true);
    const stranger = await attempt(org.owner.email, org.owner.password, {});
    expect(stranger.location).toContain("code=rate_limited");
  });
});

describe("the processes refuse to start without a safety setting", () => {
  // [what is left out or set, the variables' changes, what the refusal names]
  const UNSAFE: Array<[string, Record<string, string | undefined>, RegExp]> = [
    ["no GATEHOUSE_CONSOLE_URL", { GATEHOUSE_CONSOLE_URL: undefined }, /GATEHOUSE_CONSOLE_URL is not set, and NODE_ENV is production/],
    ["no GATEHOUSE_SIGNUP", { GATEHOUSE_SIGNUP: undefined }, /GATEHOUSE_SIGNUP is not set, and NODE_ENV is production/],
    ["SMTP_URL empty (compose's default when .env has none)", { SMTP_URL: "" }, /SMTP_URL is not set, and NODE_ENV is production/],
    ["the development outbox asked for", { SMTP_URL: "", MAIL_TRANSPORT: "outbox" }, /MAIL_TRANSPORT is outbox/],
    ["no GATEHOUSE_MASTER_KEY", { GATEHOUSE_MASTER_KEY: undefined }, /GATEHOUSE_MASTER_KEY is not set, and NODE_ENV is production/],
  ];
  const withChanges = (env: NodeJS.ProcessEnv, changes: Record<string, string | undefined>): NodeJS.ProcessEnv => {
    const next = { ...env };
    for (const [name, value] of Object.entries(changes)) {
      if (value === undefined) delete next[name];
      else next[name] = value;
    }
    return next;
  };

  it.each(UNSAFE)("the API, with %s", async (_label, changes, message) => {
    const { code, output } = await runUntilExit("npm", ["run", "--silent", "api"], ROOT, withChanges({ ...apiEnv, API_PORT: String(await freePort()) }, changes));
    expect(code, output).toBe(1);
    expect(output).toMatch(message);
  });

  it.each(UNSAFE)("the worker, with %s", async (_label, changes, message) => {
    const { code, output } = await runUntilExit("npm", ["run", "--silent", "worker"], ROOT, withChanges(apiEnv, changes));
    expect(code, output).toBe(1);
    expect(output).toMatch(message);
  });

  it.each(UNSAFE)("the console, with %s", async (_label, changes, message) => {
    const port = await freePort();
    const { code, output } = await runUntilExit("npm", ["run", "--silent", "web"], ROOT, withChanges({ ...webEnv, WEB_PORT: String(port), WEB_HOST: "127.0.0.1" }, changes));
    expect(code, output).toBe(1);
    expect(output).toMatch(message);
  });
});
