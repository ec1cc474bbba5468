// `npm start`: the whole of Gatehouse on one machine (docs/architecture.md, "Main job").
// Embedded Postgres (PGlite) unless DATABASE_URL is set, no Redis unless REDIS_URL is set; migrates,
// seeds the demo org once, builds the console, runs the API, the worker (background jobs) and the
// console, and stops them cleanly. For a person at a terminal: the servers listen on 127.0.0.1 unless
// API_HOST / WEB_HOST say otherwise, the API logs no line per request (LOG_LEVEL=warn unless set), log
// records read as one line each, and the sign-in banner comes last and comes back after later output.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readDevFile } from "./lib/dev-file.ts";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "./lib/embedded-database.ts";
import { isMasterKey, loadOrCreateSecret } from "../packages/db/src/infra/secrets.ts";
import { childEnv, connectUrl, displayUrl, EnvError, launcherEnv, type LauncherEnv } from "./lib/env.ts";
import { formatLogLine } from "./lib/log-format.ts";
import { serveHoldingPage } from "./lib/holding-page.ts";
import { lockHome } from "./lib/home-lock.ts";
import { LAUNCHER_COMMANDS } from "./lib/launcher-commands.ts";
import { isPortFree } from "./lib/ports.ts";
import { runToCompletion, startProcess, type ManagedProcess, type StartOptions } from "./lib/processes.ts";
import { waitForHttp200 } from "./lib/wait-for-http.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** How long the API, the worker and the console get to exit after SIGTERM before they are killed. */
const STOP_GRACE_MS = 10_000;
/** Migrating and seeding take seconds; building the console a minute or two on a small machine. */
const DB_STEP_TIMEOUT_MS = 120_000;
const BUILD_TIMEOUT_MS = 15 * 60_000;
const API_READY_TIMEOUT_MS = 60_000;
const WEB_READY_TIMEOUT_MS = 120_000;
/** After the banner, the quiet time after other output before a one-line reminder of it. */
const REMINDER_QUIET_MS = 3_000;

function say(line: string): void {
  process.stdout.write(`[start] ${line}\n`);
}

function complain(line: string): void {
  process.stderr.write(`[start] ${line}\n`);
}

/**
 * Prints the services' output (log records rewritten as readable lines unless LOG_FORMAT=json) and,
 * once the banner is out, reminds of it after later output has gone quiet, so it never stays buried.
 */
class Terminal {
  private reminder: string | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pretty: boolean) {}

  /** For StartOptions.log: `[name] line` from a child. */
  readonly log = (line: string): void => {
    const match = this.pretty ? /^(\[[\w-]+\] )(\{.*)$/.exec(line) : null;
    process.stdout.write(`${match ? `${match[1]}${formatLogLine(match[2] ?? "")}` : line}\n`);
    if (this.reminder) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.remind(), REMINDER_QUIET_MS);
      this.timer.unref();
    }
  };

  banner(text: string, reminder: string): void {
    process.stdout.write(text);
    this.reminder = reminder;
  }

  private remind(): void {
    if (this.reminder) process.stdout.write(`\n${this.reminder}\n\n`);
  }

  close(): void {
    clearTimeout(this.timer);
    this.reminder = undefined;
  }
}

/** Owns everything `npm start` runs, and stops it in order: API, worker and console, then the database. */
class Launcher {
  private readonly children = new Set<ManagedProcess>();
  private database: Promise<EmbeddedDatabase> | undefined;
  private releaseLock: (() => Promise<void>) | undefined;
  private stopping: Promise<void> | undefined;
  private stoppingSince = 0;

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  holdLock(release: () => Promise<void>): void {
    this.releaseLock = release;
  }

  openDatabase(open: () => Promise<EmbeddedDatabase>): Promise<EmbeddedDatabase> {
    this.database = open();
    return this.database;
  }

  /** Runs a command to completion; it is stopped with everything else if a stop comes first. */
  async step(options: StartOptions & { timeoutMs: number }): Promise<void> {
    if (this.isStopping) throw new Error("stopping");
    let child: ManagedProcess | undefined;
    try {
      await runToCompletion({ ...options, onStart: (started) => this.children.add((child = started)) });
    } finally {
      if (child) this.children.delete(child);
    }
  }

  /** Starts a long-running service; if it exits on its own, everything stops with an error. */
  service(options: StartOptions): ManagedProcess {
    if (this.isStopping) throw new Error("stopping");
    const child = startProcess(options);
    this.children.add(child);
    void child.exited.then((status) => {
      this.children.delete(child);
      if (child.stopping || this.isStopping) return;
      const how = status.signal ? `signal ${status.signal}` : `exit code ${status.code}`;
      void this.stop(1, `${child.name} exited unexpectedly (${how}); stopping everything`);
    });
    return child;
  }

  /**
   * Stops children, then the database, then exits. A second Ctrl-C (not the same one delivered
   * twice, as npm and tsx may relay it) kills the children instead of waiting for them.
   */
  stop(exitCode: number, reason: string): Promise<void> {
    if (this.stopping) {
      if (Date.now() - this.stoppingSince > 1_000) {
        say("stopping already; killing the child processes");
        for (const child of this.children) child.kill();
      }
      return this.stopping;
    }
    (exitCode === 0 ? say : complain)(reason);
    this.stoppingSince = Date.now();
    this.stopping = (async () => {
      await Promise.all([...this.children].map((child) => child.stop(STOP_GRACE_MS)));
      if (this.database) {
        const database = await this.database.catch(() => undefined);
        if (database) {
          await database.stop();
          say("embedded database closed");
        }
      }
      await this.releaseLock?.();
      process.exit(exitCode);
    })();
    return this.stopping;
  }
}

async function run(launcher: Launcher, env: LauncherEnv, terminal: Terminal): Promise<void> {
  const home = env.gatehouseHome;
  await mkdir(home, { recursive: true, mode: 0o700 });
  const lock = await lockHome(home);
  launcher.holdLock(lock.release);

  const masterKey = env.masterKey ?? (await loadOrCreateSecret({ file: join(home, "master.key"), isValid: isMasterKey, description: "GATEHOUSE_MASTER_KEY (32 bytes, base64)" }));
  const authSecret = env.authSecret ?? (await loadOrCreateSecret({ file: join(home, "auth-secret"), isValid: (s) => s.length >= 32, description: "AUTH_SECRET (32+ characters)" }));

  for (const [name, port, host] of [
    ["API_PORT", env.apiPort, env.apiHost],
    ["WEB_PORT", env.webPort, env.webHost],
  ] as const) {
    if (!(await isPortFree(port, host))) throw new Error(`${name} ${port} is already in use on ${host}; stop what runs there or set ${name} to another port`);
  }

  // The console's server calls the API on this machine; people are shown localhost (or the host they chose).
  const apiUrl = connectUrl(env.apiHost, env.apiPort);
  const webUrl = connectUrl(env.webHost, env.webPort);
  // Until the console is built (minutes, the first time, on a small machine), its address answers at once with a page
  // that says so and follows the build, and opens the console when it is up. The build starts first, before the
  // database, and the database and the API start meanwhile, the worker after it (issue 63: the build is a first start's
  // longest step, so nothing waits in front of it).
  const holding = await serveHoldingPage({
    host: env.webHost,
    port: env.webPort,
    allowedHosts: [...new Set([new URL(webUrl).host, new URL(displayUrl(env.webHost, env.webPort)).host])],
    apiUrl: displayUrl(env.apiHost, env.apiPort),
  });
  say(`console address ${displayUrl(env.webHost, env.webPort)} answers now; the console itself follows its build`);
  const buildWeb = launcher.step({
    name: "build",
    command: join(ROOT, "node_modules", ".bin", "turbo"),
    args: ["run", "build", "--filter=@gatehouse/web", "--output-logs=new-only"],
    timeoutMs: BUILD_TIMEOUT_MS,
    cwd: ROOT,
    // NODE_ENV is Next's to set (production for build and start); a stray one breaks the build.
    // Types are `npm run typecheck`'s (and CI's) to check, not a user's first start's (apps/web/next.config.ts).
    env: childEnv({ NODE_ENV: undefined, TURBO_TELEMETRY_DISABLED: "1", NEXT_TELEMETRY_DISABLED: "1" }),
    log: (line) => {
      terminal.log(line);
      holding.note(line);
    },
  });
  // Awaited below, once the database is up; a build that fails before then stops everything from there, not as an
  // unhandled rejection.
  buildWeb.catch(() => undefined);
  let databaseUrl = env.databaseUrl;
  if (databaseUrl) {
    say("using the Postgres at DATABASE_URL");
  } else {
    const dataDir = join(home, "pgdata");
    say(`starting the embedded database (PGlite, ${dataDir})`);
    // Only processes given this password (in their DATABASE_URL) may connect; the file is 0600.
    const password = await loadOrCreateSecret({
      file: join(home, "database-password"),
      isValid: (s) => s.length >= 32,
      description: "embedded database password (32+ characters)",
    });
    const database = await launcher.openDatabase(() => startEmbeddedDatabase({ dataDir, password, onWarning: (message) => process.stdout.write(`[db] ${message}\n`) }));
    databaseUrl = database.url;
    const { hostname, port } = new URL(database.url);
    say(`embedded database on ${hostname}:${port}; clients need the password in ${join(home, "database-password")}`);
  }
  say(env.redisUrl ? "using the Redis at REDIS_URL" : "running without Redis (REDIS_URL is not set)");

  const shared = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: env.redisUrl,
    GATEHOUSE_HOME: home,
    // Started for development: without SMTP_URL, mail goes to the development outbox (/dev/outbox).
    GATEHOUSE_DEVELOPMENT: "1",
    // Webhook receivers on this machine (a local script, a tunnel) are reachable (docs/webhooks.md).
    GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE: "1",
    // Every mailed link (verification, password reset, invitation) starts with the console's address.
    GATEHOUSE_CONSOLE_URL: displayUrl(env.webHost, env.webPort),
    API_PORT: String(env.apiPort),
    WEB_PORT: String(env.webPort),
    GATEHOUSE_MASTER_KEY: masterKey,
    LOG_LEVEL: env.logLevel,
  };
  // Each child runs its package.json script's command directly (scripts/lib/launcher-commands.ts).
  const tsx = (name: keyof typeof LAUNCHER_COMMANDS, extra: Record<string, string | undefined> = {}): StartOptions => {
    const command = LAUNCHER_COMMANDS[name];
    return {
      name,
      command: join(ROOT, "node_modules", ".bin", "tsx"),
      args: [command.file],
      cwd: join(ROOT, command.dir),
      env: childEnv({ ...shared, ...command.env, ...extra }),
      log: terminal.log,
    };
  };

  const migrated = (async () => {
    await launcher.step({ ...tsx("migrate"), timeoutMs: DB_STEP_TIMEOUT_MS });
    await launcher.step({ ...tsx("seed"), timeoutMs: DB_STEP_TIMEOUT_MS });
  })();
  const startApi = (async () => {
    await migrated;
    // No line per request: a warning or an error is worth reading, a 200 is not (LOG_LEVEL overrides).
    const api = launcher.service(tsx("api", { API_HOST: env.apiHost, LOG_LEVEL: env.logLevel ?? "warn" }));
    await waitForHttp200({ url: `${apiUrl}/healthz`, timeoutMs: API_READY_TIMEOUT_MS, abandon: api.exited });
  })();
  // The console starts as soon as it is built and the database is migrated and seeded (its sign-in needs the demo
  // admin), without waiting for the API: on a later start, with the build kept, that is seconds after the start.
  const startWeb = (async () => {
    await Promise.all([buildWeb, migrated]);
    await holding.close();
    const web = launcher.service(
      tsx("web", {
        PORT: String(env.webPort),
        WEB_HOST: env.webHost,
        AUTH_SECRET: authSecret,
        AUTH_TRUST_HOST: "true",
        GATEHOUSE_DEVELOPMENT: "1",
        API_URL: apiUrl,
        NEXT_TELEMETRY_DISABLED: "1",
      }),
    );
    await waitForHttp200({ url: `${webUrl}/api/healthz`, timeoutMs: WEB_READY_TIMEOUT_MS, abandon: web.exited });
  })();
  // Approval expiry and checkpoints (docs/adr/0009); it has no port, only a log. Once the console is built: on a first
  // start its jobs have nothing due for a minute, and its start would take the cores from the build (issue 63).
  const startWorker = (async () => {
    await Promise.all([buildWeb, migrated]);
    launcher.service(tsx("worker"));
  })();
  await Promise.all([startApi, startWeb, startWorker]);

  const devFile = join(home, "dev.json");
  const dev = await readDevFile(devFile);
  const consoleUrl = displayUrl(env.webHost, env.webPort);
  const publicApiUrl = displayUrl(env.apiHost, env.apiPort);
  const exposed = [env.apiHost, env.webHost].some((host) => !["127.0.0.1", "localhost", "::1"].includes(host));
  terminal.banner(
    [
      "",
      "  Gatehouse is running.",
      `    Console   ${consoleUrl}   sign in as ${dev.adminEmail} / ${dev.adminPassword}`,
      `    API       ${publicApiUrl}`,
      `    Agent key ${dev.agentApiKey}   (export GATEHOUSE_API_KEY=… for the SDK)`,
      "    Worker    background jobs: approval expiry, signed checkpoints",
      `    Keys      ${devFile}  (agent and admin API keys)`,
      `    Database  ${env.databaseUrl ? "DATABASE_URL" : `embedded, ${join(home, "pgdata")}`}`,
      exposed ? `  Listening beyond this machine (API_HOST ${env.apiHost}, WEB_HOST ${env.webHost}).` : "  Only this machine can reach them (API_HOST / WEB_HOST change that).",
      "  Press Ctrl-C to stop.",
      "",
    ].join("\n") + "\n",
    `[start] Gatehouse is running: console ${consoleUrl} (sign in as ${dev.adminEmail} / ${dev.adminPassword}), API ${publicApiUrl}; Ctrl-C stops it.`,
  );
}

let env: LauncherEnv;
try {
  env = launcherEnv();
} catch (error) {
  process.stderr.write(`${error instanceof EnvError ? error.message : String(error)}\n`);
  process.exit(1);
}
const launcher = new Launcher();
const terminal = new Terminal(env.logFormat === "pretty");
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    terminal.close();
    void launcher.stop(0, `${signal}: stopping`);
  });
}
// A bug here must not leave the API, the console and the database running without their owner.
process.on("uncaughtException", (error) => void launcher.stop(1, `crashed: ${error.stack ?? error.message}`));
process.on("unhandledRejection", (reason) => void launcher.stop(1, `crashed: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`));
try {
  await run(launcher, env, terminal);
} catch (error) {
  if (!launcher.isStopping) await launcher.stop(1, `failed: ${(error as Error).message}`);
}
