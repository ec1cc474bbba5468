import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { chromium } from "@playwright/test";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consolePageRoutes } from "../lib/console-pages.ts";
import { readDevFile, type DevFile } from "../lib/dev-file.ts";
import { childEnv } from "../lib/env.ts";
import { freePort, isPortFree } from "../lib/ports.ts";
import { waitForHttp200 } from "../lib/wait-for-http.ts";
import { CLI_CASES, CLI_FROM_SOURCE, cliFamilies, CONSOLE_PAGES, ERROR_MARKERS, gatehouse, openPage, SDK_CASES, sdkState, sdkVerbs, type CliState } from "./embedded-cases.ts";

// `npm start` end to end, the way a person runs it: no DATABASE_URL, no REDIS_URL, a fresh
// GATEHOUSE_HOME; on that one start, every verb of the SDK (TypeScript, and Python: python-embedded.py), every command family of the CLI and every
// console page (embedded-cases.ts); then Ctrl-C, and a second start on the same home that keeps the data.

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const READY_TIMEOUT_MS = 5 * 60_000;
const STOP_TIMEOUT_MS = 20_000;

interface Started {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

let home: string;
let apiPort: number;
let webPort: number;
const running = new Set<Started>();

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "gatehouse-start-"));
  apiPort = await freePort();
  do webPort = await freePort();
  while (webPort === apiPort);
});

afterAll(async () => {
  // After a failed test: stop what still runs the way a person would, kill it if that does not work.
  for (const started of running) {
    const pid = started.child.pid;
    if (pid === undefined) continue;
    killGroup(pid, "SIGINT");
    const stopped = await Promise.race([started.exited.then(() => true), sleep(STOP_TIMEOUT_MS).then(() => false)]);
    if (!stopped) killGroup(pid, "SIGKILL");
  }
  await rm(home, { recursive: true, force: true });
});

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/** `npm start` in its own process group, as a shell runs it in the foreground. */
function start(): Started {
  const env = childEnv(
    { DATABASE_URL: undefined, REDIS_URL: undefined, GATEHOUSE_HOME: home, API_PORT: String(apiPort), WEB_PORT: String(webPort) },
    // What vitest sets for its workers is not what a person's shell has.
    { drop: (name) => name === "NODE_ENV" || name.startsWith("VITEST") },
  );
  const child = spawn("npm", ["start"], { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const started = { child, exited, output: () => output };
  running.add(started);
  void exited.then(() => running.delete(started));
  return started;
}

/** Both health endpoints answer 200 and the launcher has printed its banner. */
async function waitUntilReady(started: Started): Promise<void> {
  let exited = false;
  void started.exited.then(() => (exited = true));
  try {
    await Promise.all([
      waitForHttp200({ url: `http://localhost:${apiPort}/healthz`, timeoutMs: READY_TIMEOUT_MS, abandon: started.exited }),
      waitForHttp200({ url: `http://localhost:${webPort}/api/healthz`, timeoutMs: READY_TIMEOUT_MS, abandon: started.exited }),
    ]);
    const deadline = Date.now() + 30_000;
    while (!started.output().includes("Gatehouse is running.")) {
      if (exited || Date.now() > deadline) throw new Error("npm start did not print its banner");
      await sleep(100);
    }
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- npm start output (last 6000 characters) ---\n${started.output().slice(-6000)}`);
  }
}

function groupIsEmpty(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return false;
  } catch {
    return true;
  }
}

/**
 * Ctrl-C: SIGINT to the foreground process group, then checks that the stop was clean: within
 * STOP_TIMEOUT_MS, the launcher stopped on the signal (not on a failure) and closed the database,
 * nothing it started still runs, and the ports are free again.
 */
async function interruptAndExpectCleanStop(started: Started): Promise<void> {
  const pid = started.child.pid;
  if (pid === undefined) throw new Error("npm start has no pid");
  killGroup(pid, "SIGINT");
  const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), STOP_TIMEOUT_MS).unref());
  const status = await Promise.race([started.exited, timeout]);
  const output = started.output();
  if (status === "timeout") throw new Error(`npm start did not exit within ${STOP_TIMEOUT_MS / 1000} s of SIGINT\n${output.slice(-3000)}`);
  // The launcher exits 0; npm, which saw the SIGINT too, waits for it and then ends by that signal.
  expect(status.code === 0 || status.signal === "SIGINT", `exit ${JSON.stringify(status)}`).toBe(true);
  expect(output).toContain("[start] SIGINT: stopping");
  expect(output).toContain("[start] embedded database closed");
  expect(output).toMatch(/^\[worker\] .*shutting down/m);
  expect(output).not.toMatch(/exited unexpectedly|\[start\] failed/);
  expect(groupIsEmpty(pid)).toBe(true);
  expect(await isPortFree(apiPort)).toBe(true);
  expect(await isPortFree(webPort)).toBe(true);
}

async function api<T>(dev: DevFile, method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const response = await fetch(`${dev.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${dev.agentApiKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as T };
}

/** The cookies a response sets, as `name=value` pairs. */
function cookiesSet(response: Response): string[] {
  return response.headers.getSetCookie().map((line) => line.split(";")[0] ?? "");
}

/** Signs in to the console as the demo admin (next-auth's credentials endpoint, as the sign-in form does); answers the cookie header. */
async function consoleSignIn(dev: DevFile): Promise<string> {
  const csrf = await fetch(`${dev.webUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const form = new URLSearchParams({ csrfToken, email: dev.adminEmail, password: dev.adminPassword, callbackUrl: dev.webUrl });
  const signedIn = await fetch(`${dev.webUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: cookiesSet(csrf).join("; "), "content-type": "application/x-www-form-urlencoded", origin: dev.webUrl },
    body: form.toString(),
  });
  const session = cookiesSet(signedIn).find((cookie) => cookie.includes("session-token="));
  if (!session) throw new Error(`the console gave no session (${signedIn.status})`);
  return [...cookiesSet(csrf), session].join("; ");
}

/** Signs the session in `cookie` out, as the console's button does. */
async function consoleSignOut(dev: DevFile, cookie: string): Promise<void> {
  const { csrfToken } = (await (await fetch(`${dev.webUrl}/api/auth/csrf`, { headers: { cookie } })).json()) as { csrfToken: string };
  await fetch(`${dev.webUrl}/api/auth/signout`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded", origin: dev.webUrl },
    body: new URLSearchParams({ csrfToken }).toString(),
  });
}

/** The first answer at `url` after `npm start` began (polled until something listens there). */
async function firstAnswer(url: string, started: Started): Promise<{ status: number; headers: Headers; body: string }> {
  let exited = false;
  void started.exited.then(() => (exited = true));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const answer = await fetch(url).catch(() => null);
    if (answer) return { status: answer.status, headers: answer.headers, body: await answer.text() };
    if (exited || Date.now() > deadline) throw new Error(`nothing answered at ${url}\n${started.output().slice(-3000)}`);
    await sleep(50);
  }
}

/** The size of the newest signed checkpoint of the demo org's log (0 while there is none). */
async function newestCheckpoint(dev: DevFile): Promise<number> {
  const response = await fetch(`${dev.apiUrl}/v1/audit/checkpoints?limit=1`, { headers: { authorization: `Bearer ${dev.adminApiKey}` } });
  const body = (await response.json()) as { checkpoints: Array<{ treeSize: number }> };
  return body.checkpoints[0]?.treeSize ?? 0;
}

async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** The status of a GET to the console on this machine naming `host` (fetch cannot set Host). */
function statusWithHost(port: number, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

interface WhoAmI {
  org: { slug: string };
  agent?: { id: string };
}

describe("npm start", () => {
  let firstStarted: Started | undefined;
  let firstDev: DevFile | undefined;
  let firstAgentId = "";
  let firstAuditEventId = "";
  let inviteToken = "";

  /** The first start, up and checked (the tests after the first need it). */
  function firstRun(): { started: Started; dev: DevFile } {
    if (!firstStarted || !firstDev || !firstAgentId) throw new Error("needs the first start to have come up");
    return { started: firstStarted, dev: firstDev };
  }

  it("comes up on an embedded database, seeds the demo org and serves the API and the console, with the worker's jobs", async () => {
    const started = start();
    firstStarted = started;
    // The console's address answers long before the console is built (a first build takes minutes on a small machine):
    // a holding page that says so, follows the build and opens the console once it is up.
    const first = await firstAnswer(`http://localhost:${webPort}/`, started);
    expect([first.status, first.headers.get("x-gatehouse-holding"), first.headers.get("retry-after"), first.headers.get("cache-control")]).toEqual([503, "1", "5", "no-store"]);
    expect(first.body).toContain("The console is being built");
    expect(first.body).toContain(`http://localhost:${apiPort}`);
    expect(await statusWithHost(webPort, "/", `rebind.example:${webPort}`)).toBe(421);
    await waitUntilReady(started);
    // Then the console itself has the address.
    const signin = await fetch(`http://localhost:${webPort}/signin`);
    expect([signin.status, signin.headers.get("x-gatehouse-holding")]).toEqual([200, null]);

    firstDev = await readDevFile(join(home, "dev.json"));
    expect(firstDev.apiUrl).toBe(`http://localhost:${apiPort}`);
    expect(firstDev.webUrl).toBe(`http://localhost:${webPort}`);
    expect(firstDev.adminEmail).toContain("@");
    expect(started.output()).toContain(firstDev.adminPassword);

    // For a person at a terminal: the banner names the agent key, no JSON line per request, and the
    // servers listen on this machine only (API_HOST / WEB_HOST unset).
    expect(started.output()).toContain(`Agent key ${firstDev.agentApiKey}`);
    expect(started.output()).toContain("Only this machine can reach them");
    expect(started.output()).not.toMatch(/^\[api\] \{/m);
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === "IPv4" && !address.internal)?.address;
    if (outside) {
      for (const port of [apiPort, webPort]) {
        const reached = await fetch(`http://${outside}:${port}/`, { signal: AbortSignal.timeout(2_000) }).then(
          () => true,
          () => false,
        );
        expect(reached, `port ${port} answered on ${outside}`).toBe(false);
      }
    }

    // The embedded database asks for the generated password (a file only this user can read): none or a
    // wrong one is refused, the right one is served.
    const passwordFile = join(home, "database-password");
    expect((await stat(passwordFile)).mode & 0o777).toBe(0o600);
    const password = (await readFile(passwordFile, "utf8")).trim();
    const listening = /embedded database on 127\.0\.0\.1:(\d+)/.exec(started.output());
    expect(listening, "the launcher names the embedded database's port").not.toBeNull();
    const database = (given: string) => new pg.Client({ host: "127.0.0.1", port: Number(listening?.[1]), user: "postgres", database: "postgres", password: given });
    for (const given of ["", "postgres", password.slice(1)]) {
      const refused = database(given);
      await expect(refused.connect(), `password "${given}"`).rejects.toMatchObject({ code: "28P01" });
      await refused.end().catch(() => {});
    }
    const served = database(password);
    await served.connect();
    expect((await served.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    await served.end();

    const whoami = await api<WhoAmI>(firstDev, "GET", "/v1/whoami");
    expect(whoami.status).toBe(200);
    expect(whoami.json.org.slug).toBe(firstDev.orgSlug);
    firstAgentId = whoami.json.agent?.id ?? "";
    expect(firstAgentId).not.toBe("");

    const action = await api<{ auditEventId?: string }>(firstDev, "POST", "/v1/actions", { actionType: "pr.open" });
    expect(action.status).toBe(200);
    expect(action.json.auditEventId).toMatch(/^aud_/);
    firstAuditEventId = action.json.auditEventId ?? "";

    // On the embedded database too, a delegate acts until its delegation is revoked, then not at all.
    const embedded = firstDev;
    const delegated = await api<{ delegation: { id: string }; apiKey: string }>(embedded, "POST", "/v1/delegations", {
      name: "smoke-delegate",
      capabilities: ["pr.*"],
      ttlSeconds: 600,
    });
    expect(delegated.status).toBe(201);
    const asDelegate = () => fetch(`${embedded.apiUrl}/v1/whoami`, { headers: { authorization: `Bearer ${delegated.json.apiKey}` } });
    expect((await asDelegate()).status).toBe(200);
    const revoked = await fetch(`${embedded.apiUrl}/v1/delegations/${delegated.json.delegation.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${embedded.agentApiKey}` },
    });
    expect(revoked.status).toBeLessThan(300);
    const refusedDelegate = await asDelegate();
    expect(refusedDelegate.status).toBe(401);
    expect(((await refusedDelegate.json()) as { error: { code: string } }).error.code).toBe("DELEGATION_REVOKED");

    // And a console session ends when it signs out: the same cookie, replayed, is refused.
    const cookie = await consoleSignIn(embedded);
    const members = `${embedded.webUrl}/api/orgs/${embedded.orgSlug}/members`;
    expect((await fetch(members, { headers: { cookie } })).status).toBe(200);
    await consoleSignOut(embedded, cookie);
    expect((await fetch(members, { headers: { cookie } })).status).toBe(401);

    // The console was started for development: its outbox is there under its own name, and a page that
    // reaches it through a rebound name of its own (DNS rebinding) gets a 421 for it and every other page.
    expect((await fetch(`${firstDev.webUrl}/dev/outbox`)).status).toBe(200);
    for (const path of ["/dev/outbox", "/signin", "/api/auth/csrf"]) {
      expect(await statusWithHost(webPort, path, `rebind.example:${webPort}`), path).toBe(421);
    }

    // The worker leads and signs checkpoints of the growing log without being asked.
    expect(started.output()).toMatch(/^\[worker\] info +leading: running the jobs/m);
    const before = await newestCheckpoint(firstDev);
    await api(firstDev, "POST", "/v1/actions", { actionType: "pr.open" });
    const dev = firstDev;
    await eventually(async () => (await newestCheckpoint(dev)) > before, 10_000, "a background checkpoint");
  });

  it("runs every verb of the SDK's agent client on the embedded database", async () => {
    const { dev } = firstRun();
    const state = sdkState(dev);
    expect(SDK_CASES.map(([verb]) => verb).sort(), "one case per verb of the client").toEqual(sdkVerbs(state.client));
    for (const [verb, run] of SDK_CASES) {
      try {
        await run(state);
      } catch (error) {
        throw new Error(`SDK verb ${verb}: ${(error as Error).message}`, { cause: error });
      }
    }
  });

  it("runs every verb of the Python SDK's clients on the embedded database", async () => {
    const { dev } = firstRun();
    // The system's Python (Debian's httpx); the package from its source, as the pytest suite runs it.
    const python = process.env.PYTHON ?? (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
    const run = spawnSync(python, ["scripts/test/python-embedded.py"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 180_000,
      env: {
        ...process.env,
        PYTHONPATH: join(ROOT, "packages", "sdk-python", "src"),
        GATEHOUSE_API_KEY: dev.agentApiKey,
        GATEHOUSE_ADMIN_KEY: dev.adminApiKey,
        GATEHOUSE_BASE_URL: dev.apiUrl,
      },
    });
    expect(run.status, run.stderr).toBe(0);
    const { ran, verbs } = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}") as { ran: string[]; verbs: string[] };
    expect(ran, "one case per verb of both clients").toEqual(verbs);
  });

  it("runs every command family of the CLI against the embedded API", async () => {
    const { dev } = firstRun();
    const state: CliState = {
      dev,
      configHome: join(home, "cli-config"),
      dir: home,
      act: async () => void (await api(dev, "POST", "/v1/actions", { actionType: "pr.open" })),
    };
    // Through npm, as README tells a user to run it in the clone; the cases after it start the same command directly.
    const help = await gatehouse(["help"], state.configHome, { viaNpm: true });
    const scripts = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(scripts.gatehouse, "the cases start what `npm run gatehouse` starts").toBe(["node", ...CLI_FROM_SOURCE].join(" "));
    expect(help.code).toBe(0);
    expect(CLI_CASES.map(([family]) => family).sort(), "one case per command family the CLI's help lists").toEqual(cliFamilies(help.stdout));
    for (const [family, run] of CLI_CASES) {
      try {
        await run(state);
      } catch (error) {
        throw new Error(`gatehouse ${family}: ${(error as Error).message}`, { cause: error });
      }
    }
    inviteToken = state.inviteToken ?? "";
  });

  it("signs the CLI in from the console on the embedded default: login --web, the member confirms in a browser, the key works", async () => {
    const { dev } = firstRun();
    const configHome = join(home, "cli-web-login");
    let shown: (path: string) => void = () => {};
    const opened = new Promise<string>((resolve) => (shown = resolve));
    const login = gatehouse(["login", "--web", "--base-url", dev.apiUrl], configHome, {
      timeoutMs: 120_000,
      onOutput: (stdout) => {
        const url = /Open (\S+)/.exec(stdout)?.[1];
        if (url) shown(new URL(url).pathname + new URL(url).search);
      },
    });
    const path = await opened;
    // The demo admin, signed in (as the sign-in form does), opens the page the CLI printed in Chromium and confirms.
    const cookie = await consoleSignIn(dev);
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
    try {
      const context = await browser.newContext({ baseURL: dev.webUrl });
      await context.addCookies(cookie.split("; ").map((pair) => ({ name: pair.slice(0, pair.indexOf("=")), value: pair.slice(pair.indexOf("=") + 1), url: dev.webUrl })));
      const page = await context.newPage();
      await page.goto(path);
      // The demo admin owns the demo org: an owner types the code the terminal shows (the link does not fill it in).
      await page.getByLabel("Code shown in your terminal").fill(/code=([A-Z]{4}-[A-Z]{4})/.exec(path)?.[1] ?? "");
      await page.getByRole("button", { name: "Confirm" }).click();
      await page.getByRole("status").filter({ hasText: "Confirmed: the CLI is signing in to" }).waitFor({ timeout: 30_000 });
    } finally {
      await browser.close();
    }
    const run = await login;
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain(`(${dev.orgSlug})`);
    // The saved key is the member's own, and the next command uses it.
    const members = await gatehouse(["members", "list"], configHome);
    expect(members.code, members.stderr).toBe(0);
  });

  it("serves every console page, to the demo admin or to a visitor, with no error on it", async () => {
    const { dev } = firstRun();
    expect(Object.keys(CONSOLE_PAGES).sort(), "one case per page of the app directory").toEqual(consolePageRoutes());
    const cookie = await consoleSignIn(dev);
    // A run the SDK's cases made (they ran first): the newest of the org's.
    const runs = (await (await fetch(`${dev.apiUrl}/v1/runs?limit=1`, { headers: { authorization: `Bearer ${dev.adminApiKey}` } })).json()) as { runs: Array<{ id: string }> };
    const subjects = { orgSlug: dev.orgSlug, agentId: firstAgentId, runId: runs.runs[0]?.id ?? "none", policyName: "merges-need-review", inviteToken };
    const failures: string[] = [];
    for (const [route, page] of Object.entries(CONSOLE_PAGES)) {
      if ("skip" in page) continue;
      const path = page.path(subjects);
      const opened = await openPage(dev.webUrl, path, page.as === "member" ? cookie : undefined);
      if (opened.status !== 200) failures.push(`${route} (${path}): status ${opened.status}`);
      if (page.as === "member" && new URL(opened.url).pathname === "/signin") failures.push(`${route} (${path}): sent to sign in`);
      for (const marker of ERROR_MARKERS) if (marker.test(opened.html)) failures.push(`${route} (${path}): ${marker}`);
    }
    expect(failures).toEqual([]);
    await consoleSignOut(dev, cookie);
  });

  it("stops cleanly on Ctrl-C", async () => {
    await interruptAndExpectCleanStop(firstRun().started);
  });

  it("keeps the data on a second start and does not seed the demo org again", async () => {
    if (!firstDev || !firstAuditEventId) throw new Error("needs the first start to have passed");
    const started = start();
    await waitUntilReady(started);

    const dev = await readDevFile(join(home, "dev.json"));
    expect(dev.orgSlug).toBe(firstDev.orgSlug);
    expect(dev.agentApiKey).toBe(firstDev.agentApiKey);
    const whoami = await api<WhoAmI>(dev, "GET", "/v1/whoami");
    expect(whoami.status).toBe(200);
    expect(whoami.json.agent?.id).toBe(firstAgentId);

    // The decision of the first run is still there: its outcome can be reported now.
    const outcome = await api<unknown>(dev, "POST", `/v1/actions/${firstAuditEventId}/outcome`, { status: "success" });
    expect(outcome.status).toBe(200);

    await interruptAndExpectCleanStop(started);
  });
});
