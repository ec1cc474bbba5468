// `npm run drill:restore`: the restore drill (docs/backup-and-restore.md). It proves, end to end and with nothing
// mocked, that a base backup and a WAL archive of Gatehouse's database restore to a point in time into a log that
// still verifies, that the signing keys work on the restored copy, and that the log continues consistently with the
// checkpoints signed before the restore; and it shows what a restore does to checkpoints signed after its target.
//
//   npm run drill:restore [-- --orgs 2 --decisions 8 --keep --json report.json]
//     The whole drill on private clusters of its own: a primary with WAL archiving, Gatehouse (API and worker) on it,
//     orgs whose agents decide through the SDK, a base backup, a target time T, a restore to T in a second cluster,
//     Gatehouse on the restored copy, every org's log exported and checked with `gatehouse verify` and the keys and
//     checkpoints an auditor saved before, a new decision, and a new checkpoint consistent with the old ones.
//
//   npm run drill:restore -- --base-backup <dir> --wal-archive <dir> [--target-time <time>] [--checkpoints <dir>]
//     Your own backups: restores them into a scratch cluster (archiving off, listening on 127.0.0.1 only), applies this
//     release's migrations, and checks every org's log with Gatehouse's verifier, that each org's signing key decrypts
//     with GATEHOUSE_MASTER_KEY and signs, and that the log extends the checkpoints you saved (one file per org, from
//     `gatehouse audit checkpoint --out`, or your witnesses' latest). It appends nothing and starts nothing that could
//     reach out: a checkpoint signed on a copy that diverges from production would be a fork signed with your key.
//
// PostgreSQL's binaries: --pg-bin (default Debian's 15, /usr/lib/postgresql/15/bin). As root, PostgreSQL runs as the
// postgres user. Exit status 0 when every step passed, 1 when one failed (the report says which), 2 for a usage mistake.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createOrg, db, disconnectDb, getAuditProof, getGovernanceHealth, issueAdminKey, listSigningKeys, systemCtx, verifyAuditLog, type OrgRef } from "@gatehouse/db";
import { migrate } from "@gatehouse/db/migrate";
import { Gatehouse, GatehouseAdmin } from "@gatehouse/sdk";
import { openNote, parseCheckpoint, parseVerifierKey, verifyConsistency } from "@gatehouse/tlog";
import { main as gatehouseCli } from "../packages/cli/src/cli.ts";
import { freePort } from "./lib/ports.ts";
import {
  cluster,
  confString,
  DEFAULT_PG_BIN,
  giveToClusterUser,
  pgBinary,
  unpackBaseBackup,
  waitForPromotion,
  writeClusterFile,
  writeRecoverySettings,
  type Cluster,
} from "./lib/postgres-cluster.ts";
import { startProcess, type ManagedProcess } from "./lib/processes.ts";
import { waitForHttp200 } from "./lib/wait-for-http.ts";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

const USAGE = `Usage: npm run drill:restore [-- --orgs <n>] [--decisions <n>] [--keep] [--json <file>] [--pg-bin <dir>]
       npm run drill:restore -- --base-backup <dir> (--wal-archive <dir> | --restore-command <cmd>)
                                 [--target-time <time>] [--checkpoints <dir>] [--pg-option <name=value>]…
                                 [--keep] [--json <file>] [--pg-bin <dir>]
See docs/backup-and-restore.md.`;

interface Options {
  orgs: number;
  decisions: number;
  keep: boolean;
  json: string | undefined;
  pgBin: string;
  /** The operator's own backups (the restore check), when given. */
  own:
    | {
        baseBackup: string;
        restoreCommand: string;
        targetTime: string | undefined;
        checkpoints: string | undefined;
        pgOptions: Record<string, string>;
      }
    | undefined;
}

class UsageError extends Error {}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      orgs: { type: "string", default: "2" },
      decisions: { type: "string", default: "8" },
      keep: { type: "boolean", default: false },
      json: { type: "string" },
      "pg-bin": { type: "string", default: DEFAULT_PG_BIN },
      "base-backup": { type: "string" },
      "wal-archive": { type: "string" },
      "restore-command": { type: "string" },
      "target-time": { type: "string" },
      checkpoints: { type: "string" },
      "pg-option": { type: "string", multiple: true, default: [] },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) throw new UsageError(USAGE);
  const count = (name: string, text: string, min: number, max: number) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
  const base = {
    orgs: count("orgs", values.orgs, 2, 50),
    decisions: count("decisions", values.decisions, 1, 1_000),
    keep: values.keep,
    json: values.json === undefined ? undefined : resolve(values.json),
    pgBin: values["pg-bin"],
  };
  const ownOnly = ["wal-archive", "restore-command", "target-time", "checkpoints"] as const;
  if (values["base-backup"] === undefined) {
    const stray = ownOnly.filter((name) => values[name] !== undefined);
    if (stray.length > 0 || values["pg-option"].length > 0) throw new UsageError(`--${stray[0] ?? "pg-option"} goes with --base-backup\n${USAGE}`);
    return { ...base, own: undefined };
  }
  const archive = values["wal-archive"];
  const command = values["restore-command"];
  if ((archive === undefined) === (command === undefined)) throw new UsageError(`--base-backup needs one of --wal-archive and --restore-command\n${USAGE}`);
  const targetTime = values["target-time"];
  if (targetTime !== undefined && Number.isNaN(Date.parse(targetTime))) throw new UsageError(`--target-time ${targetTime} is not a time (e.g. 2026-06-01T12:00:00Z)`);
  const pgOptions: Record<string, string> = {};
  for (const option of values["pg-option"]) {
    const at = option.indexOf("=");
    if (at < 1) throw new UsageError(`--pg-option ${option} is not name=value`);
    pgOptions[option.slice(0, at).trim()] = option.slice(at + 1).trim();
  }
  return {
    ...base,
    own: {
      baseBackup: resolve(values["base-backup"]),
      restoreCommand: command ?? `cp ${shellQuote(`${resolve(archive as string)}/`)}"%f" "%p"`,
      // As given, to the microsecond (a Date would cut it to milliseconds), in the spelling PostgreSQL reads.
      targetTime: targetTime
        ?.trim()
        .replace(/^(\d{4}-\d{2}-\d{2})T/, "$1 ")
        .replace(/Z$/i, "+00"),
      checkpoints: values.checkpoints === undefined ? undefined : resolve(values.checkpoints),
      pgOptions,
    },
  };
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

// ── The report ──────────────────────────────────────────────────────────────────────────────────

interface StepRecord {
  name: string;
  ms: number;
  ok: boolean;
  detail: string;
}

/** What the drill found for one org, for the report and for the test that runs it. */
interface OrgRecord {
  orgId: string;
  slug: string;
  /** The log's size at T (read on the primary just before and just after T, equal). */
  sizeAtT?: number;
  /** The checkpoint an auditor saved just before T (its tree size). */
  savedBeforeT?: number;
  /** The decisions made after T (their audit entries must not be in the restore). */
  afterT?: string[];
  /** The checkpoint published after T (its tree size): what a witness or an auditor holding it would compare against. */
  publishedAfterT?: number;
  restored?: {
    size: number;
    largestCheckpoint: number | null;
    afterTPresent?: number;
    /** `gatehouse verify` of the restored log's export, with the saved keys and `--since` the saved checkpoint. */
    verified?: boolean;
  };
  /** The worker's checkpoint of the log continued after the restore, and the consistency proof to it from the checkpoint saved before T. */
  continued?: { newCheckpoint: number; consistentFrom: number; verified: boolean };
  /** `gatehouse verify --since` the checkpoint published after T, on the continued log: what an auditor holding it sees. */
  fork?: { detected: boolean; problem: string | null };
  /** The restore check: the server's verification, the signing key, the saved checkpoints. */
  check?: { verified: boolean; entries: number; signingKey: string; savedCheckpoints: Array<{ file: string; size: number; verdict: string }> };
}

interface Report {
  mode: "drill" | "restore-check";
  ok: boolean;
  startedAt: string;
  totalMs: number;
  targetTime: string | null;
  recovery: { timeline: number; stoppedAt: string | null; lastReplayed: string | null } | null;
  steps: StepRecord[];
  orgs: OrgRecord[];
  failure: string | null;
  dir: string | null;
}

const started = performance.now();
const report: Report = {
  mode: "drill",
  ok: false,
  startedAt: new Date().toISOString(),
  totalMs: 0,
  targetTime: null,
  recovery: null,
  steps: [],
  orgs: [],
  failure: null,
  dir: null,
};

const say = (line: string) => process.stdout.write(`[drill] ${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Runs one step of the drill: timed, printed, recorded; a step that throws ends the drill. */
async function step<T>(name: string, run: () => Promise<{ value: T; detail: string }>): Promise<T> {
  const at = performance.now();
  const number = report.steps.length + 1;
  try {
    const { value, detail } = await run();
    const ms = performance.now() - at;
    report.steps.push({ name, ms, ok: true, detail });
    say(`✓ ${String(number).padStart(2)} ${name} (${seconds(ms)})`);
    for (const line of detail.split("\n")) say(`     ${line}`);
    return value;
  } catch (error) {
    const ms = performance.now() - at;
    const detail = error instanceof Error ? error.message : String(error);
    report.steps.push({ name, ms, ok: false, detail });
    say(`✗ ${String(number).padStart(2)} ${name} (${seconds(ms)})`);
    for (const line of detail.split("\n")) say(`     ${line}`);
    throw new DrillFailed(`${name}: ${detail.split("\n")[0]}`);
  }
}

class DrillFailed extends Error {}

/** What the drill started, stopped when it ends however it ends (the last started first): processes, clusters, its database handle. */
const toStop: Array<() => Promise<unknown>> = [];

let stopping: Promise<void> | undefined;

/** Stops everything in `toStop`, once: the drill's end and a signal arriving meanwhile wait for the same stop. */
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    for (let stop = toStop.pop(); stop; stop = toStop.pop()) await stop().catch(() => {});
  })();
  return stopping;
}

function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

// ── Gatehouse's processes ───────────────────────────────────────────────────────────────────────

interface GatehouseProcesses {
  apiUrl: string;
  stop(): Promise<void>;
  /** The processes' last lines, for a failure. */
  output(): string;
}

/**
 * `npm run api` and `npm run worker` on `databaseUrl`, with an environment of their own: the database, the master
 * key and nothing else of this shell's (no REDIS_URL, SMTP_URL or OTEL_* that could reach the services of the
 * installation the drill runs beside).
 */
async function startGatehouse(databaseUrl: string, masterKey: string, home: string): Promise<GatehouseProcesses> {
  if (stopping) throw new Error("the drill is stopping");
  const port = await freePort();
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > 200) lines.shift();
  };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    DATABASE_URL: databaseUrl,
    GATEHOUSE_MASTER_KEY: masterKey,
    GATEHOUSE_HOME: home,
    MAIL_TRANSPORT: "off",
    LOG_LEVEL: "warn",
    API_HOST: "127.0.0.1",
    API_PORT: String(port),
  };
  const node = (app: string, name: string): ManagedProcess =>
    startProcess({ name, command: process.execPath, args: ["--import", "tsx", "src/main.ts"], cwd: join(ROOT, "apps", app), env, log: keep });
  const api = node("api", "api");
  const worker = node("worker", "worker");
  const stop = async () => {
    await Promise.all([api.stop(10_000), worker.stop(10_000)]);
  };
  // From their start: a drill stopped while they boot stops them too.
  toStop.push(stop);
  const apiUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp200({ url: `${apiUrl}/healthz`, timeoutMs: 90_000, abandon: Promise.race([api.exited, worker.exited]) });
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${lines.slice(-40).join("\n")}`);
  }
  return { apiUrl, stop, output: () => lines.slice(-40).join("\n") };
}

// ── The auditor's side: the CLI, exactly as typed, in this process ────────────────────────────────

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The command as an auditor would type it, for the report. */
  typed: string;
}

async function gatehouse(argv: string[], connection: { apiKey: string; baseUrl: string } | null, cwd: string): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  // Files are named relative to the drill's folder, as an auditor names them in theirs.
  const inFolder = argv.map((arg) => (arg.startsWith("@") ? `@${join(cwd, arg.slice(1))}` : /\.(txt|jsonl)$/.test(arg) ? join(cwd, arg) : arg));
  const code = await gatehouseCli({
    argv: inFolder,
    env: { GATEHOUSE_API_KEY: connection?.apiKey, GATEHOUSE_BASE_URL: connection?.baseUrl, HOME: cwd },
    fetch: globalThis.fetch,
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    saved: null,
  });
  return { code, stdout, stderr, typed: `gatehouse ${argv.join(" ")}` };
}

async function gatehouseOk(argv: string[], connection: { apiKey: string; baseUrl: string } | null, cwd: string): Promise<CliRun> {
  const result = await gatehouse(argv, connection, cwd);
  expect(result.code === 0, `${result.typed} exited with ${result.code}: ${(result.stderr || result.stdout).trim()}`);
  return result;
}

/** The one-line verdict of `gatehouse verify`. */
const verdictOf = (run: CliRun) =>
  (run.stdout || run.stderr)
    .split("\n")
    .filter((line) => line.trim() !== "")
    .join(" / ");

const sizeOfNote = (note: string) => parseCheckpoint(note.slice(0, note.indexOf("\n\n") + 1)).size;

// ── The drill on clusters of its own ─────────────────────────────────────────────────────────────

interface DrillOrg {
  record: OrgRecord;
  org: OrgRef;
  adminKey: string;
  agentKey: string;
}

async function headSizes(pg: Cluster, orgIds: string[]): Promise<Map<string, { size: number; signed: number | null }>> {
  const rows = await pg.query<{ org_id: string; size: string; signed: string | null }>(
    `SELECT h.org_id, h.size, (SELECT max(c.tree_size) FROM checkpoints c WHERE c.org_id = h.org_id) AS signed FROM audit_log_heads h WHERE h.org_id = ANY($1)`,
    [orgIds],
  );
  return new Map(rows.map((row) => [row.org_id, { size: Number(row.size), signed: row.signed === null ? null : Number(row.signed) }]));
}

/** Waits until the worker has signed a checkpoint of each log as it is (its job runs each second). */
async function waitUntilSigned(pg: Cluster, orgIds: string[], timeoutMs = 30_000): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const heads = await headSizes(pg, orgIds);
    if ([...heads.values()].every((head) => head.signed === head.size)) return new Map([...heads].map(([id, head]) => [id, head.size]));
    if (Date.now() > deadline) throw new Error(`the worker signed no checkpoint of every log within ${timeoutMs / 1000} s: ${JSON.stringify(Object.fromEntries(heads))}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

async function decide(orgs: DrillOrg[], apiUrl: string, phase: string, count: number): Promise<Map<string, string[]>> {
  const made = new Map<string, string[]>();
  await Promise.all(
    orgs.map(async (org) => {
      const agent = new Gatehouse({ apiKey: org.agentKey, baseUrl: apiUrl, heartbeat: false });
      const ids: string[] = [];
      for (let i = 0; i < count; i += 1) {
        // Each call differs (its metadata), so none reads as a loop (docs/loops.md).
        const result = await agent.execute(i % 2 === 0 ? "pr.open" : "deploy.staging", { metadata: { phase, call: i } });
        expect(result.status === "executed", `${org.record.slug}: a ${phase} decision answered ${result.status}`);
        ids.push(result.auditEventId);
      }
      made.set(org.org.id, ids);
    }),
  );
  return made;
}

async function runDrill(opts: Options, dir: string): Promise<void> {
  const auditor = join(dir, "auditor");
  mkdirSync(auditor);
  // GATEHOUSE_MASTER_KEY when set (a kept drill's backup can then be checked again with the restore check), else a
  // key of the drill's own: it encrypts only the drill's orgs' signing keys.
  const masterKey = process.env.GATEHOUSE_MASTER_KEY || randomBytes(32).toString("base64");
  const archive = join(dir, "archive");
  mkdirSync(archive, { mode: 0o700 });
  giveToClusterUser(archive);
  const port = await freePort();
  const primary = cluster({ name: "primary", bin: opts.pgBin, data: join(dir, "primary"), port, logFile: join(dir, "primary.log") });
  let restored: Cluster | undefined;
  let running: GatehouseProcesses | undefined;
  toStop.push(
    () => primary.stop("immediate"),
    async () => restored?.stop("immediate"),
    () => disconnectDb(),
  );
  // This process's own database handle (createOrg, issueAdminKey) goes to the drill's cluster and nowhere else.
  for (const name of ["REDIS_URL", "DATABASE_REPLICA_URL", "SMTP_URL", "DATABASE_POOL_MODE"]) delete process.env[name];
  process.env.DATABASE_URL = primary.url;
  process.env.GATEHOUSE_MASTER_KEY = masterKey;
  process.env.MAIL_TRANSPORT = "off";
  try {
    await step("primary PostgreSQL with WAL archiving", async () => {
      await pgBinary(opts.pgBin, "initdb", ["-D", primary.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
      // In postgresql.conf, so the base backup carries them as a real one would; the restore overrides what it must.
      const settings = {
        port: String(port),
        listen_addresses: "127.0.0.1",
        unix_socket_directories: dir,
        wal_level: "replica",
        archive_mode: "on",
        archive_command: `test ! -f "${archive}/%f" && cp "%p" "${archive}/%f"`,
        // The drill's clusters are thrown away: no flush to disk is waited for. What the restore reads (the base
        // backup and the archived WAL) is written the same either way.
        fsync: "off",
      };
      writeFileSync(
        join(primary.data, "postgresql.conf"),
        `${readFileSync(join(primary.data, "postgresql.conf"), "utf8")}\n${Object.entries(settings)
          .map(([k, v]) => `${k} = ${confString(v)}`)
          .join("\n")}\n`,
      );
      await primary.start();
      return { value: undefined, detail: `${primary.url} (data ${primary.data}), archive_command copies each WAL file to ${archive}` };
    });

    await step("migrations", async () => {
      const result = await migrate({ url: primary.url });
      return { value: undefined, detail: `${result.applied.length} applied` };
    });

    running = await step("Gatehouse (API and worker) on the primary", async () => {
      const value = await startGatehouse(primary.url, masterKey, join(dir, "home-primary"));
      return { value, detail: `API ${value.apiUrl}; the worker signs a checkpoint of each log that grew, each second` };
    });
    const primaryApi = running.apiUrl;

    const orgs = await step(`${opts.orgs} orgs, each with an agent, deciding through the SDK`, async () => {
      const at = performance.now();
      const suffix = randomBytes(3).toString("hex");
      const made = await Promise.all(
        Array.from({ length: opts.orgs }, async (_, index): Promise<DrillOrg> => {
          const i = index + 1;
          // Orgs are made by a service (the console's sign-up makes them; the API has no route for it); the rest is HTTP.
          const created = await createOrg({
            input: { slug: `drill-${suffix}-${i}`, name: `Restore drill ${i}`, owner: { email: `owner-${suffix}-${i}@example.test`, name: "Drill owner" } },
          });
          const key = await issueAdminKey({ ctx: systemCtx(created.org, "restore-drill"), input: { membershipId: created.owner.membershipId, name: "restore drill" } });
          const admin = new GatehouseAdmin({ apiKey: key.apiKey, baseUrl: primaryApi });
          await admin.policies.apply([
            { name: "allow-prs", actions: ["pr.*"], effect: "allow" },
            { name: "allow-staging", actions: ["deploy.staging"], effect: "allow" },
          ]);
          const agent = await admin.agents.create({ name: "drill-agent" });
          return { record: { orgId: created.org.id, slug: created.org.slug }, org: created.org, adminKey: key.apiKey, agentKey: agent.apiKey };
        }),
      );
      const setUp = performance.now();
      await decide(made, primaryApi, "before the backup", opts.decisions);
      const decided = performance.now();
      const sizes = await waitUntilSigned(
        primary,
        made.map((org) => org.org.id),
      );
      return {
        value: made,
        detail: [
          ...made.map((org) => `${org.record.slug} (${org.org.id}): ${sizes.get(org.org.id)} entries, signed`),
          `(orgs, keys, policies and agents ${seconds(setUp - at)}; ${opts.decisions} decisions each ${seconds(decided - setUp)}; the worker's checkpoints ${seconds(performance.now() - decided)})`,
        ].join("\n"),
      };
    });
    report.orgs = orgs.map((org) => org.record);
    const ids = orgs.map((org) => org.org.id);
    const connection = (org: DrillOrg, baseUrl: string) => ({ apiKey: org.adminKey, baseUrl });

    await step("auditors save each org's verifier keys", async () => {
      for (const org of orgs) {
        const keys = await gatehouseOk(["audit", "keys"], connection(org, primaryApi), auditor);
        writeFileSync(join(auditor, `keys-${org.record.slug}.txt`), keys.stdout);
      }
      return { value: undefined, detail: `gatehouse audit keys > keys-<org>.txt (${orgs.length} files in ${auditor})` };
    });

    const base = join(dir, "base");
    await step("base backup (pg_basebackup -X none: its WAL comes from the archive)", async () => {
      mkdirSync(base, { mode: 0o700 });
      giveToClusterUser(base);
      await pgBinary(opts.pgBin, "pg_basebackup", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-D", base, "-F", "p", "-X", "none", "-c", "fast", "--no-sync"]);
      const label = readFileSync(join(base, "backup_label"), "utf8");
      return { value: undefined, detail: `${base}: ${megabytes(base)} MB, ${label.split("\n").find((line) => line.startsWith("START WAL LOCATION")) ?? ""}` };
    });

    const atT = await step("keep deciding, then fix the target time T", async () => {
      await decide(orgs, primaryApi, "after the backup, before T", opts.decisions);
      await waitUntilSigned(primary, ids);
      for (const org of orgs) {
        await gatehouseOk(["audit", "checkpoint", "--out", `before-${org.record.slug}.txt`], connection(org, primaryApi), auditor);
        org.record.savedBeforeT = sizeOfNote(readFileSync(join(auditor, `before-${org.record.slug}.txt`), "utf8"));
      }
      // T between two reads of every log's size that agree: no entry was written around it, so the sizes are the
      // sizes at T. Time and sizes come from the primary itself, the clock that stamps the commits replay compares.
      const before = await headSizes(primary, ids);
      const [row] = await primary.query<{ t: string }>(`SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' AS t`);
      const after = await headSizes(primary, ids);
      for (const org of orgs) {
        expect(before.get(org.org.id)?.size === after.get(org.org.id)?.size, `${org.record.slug}'s log grew while T was read`);
        org.record.sizeAtT = before.get(org.org.id)?.size as number;
        expect(
          org.record.savedBeforeT === org.record.sizeAtT,
          `${org.record.slug}: the saved checkpoint (size ${org.record.savedBeforeT}) is not the log at T (${org.record.sizeAtT})`,
        );
      }
      const t = row?.t as string;
      report.targetTime = t;
      return {
        value: t,
        detail: `T = ${t}\n${orgs.map((org) => `${org.record.slug}: ${org.record.sizeAtT} entries at T; gatehouse audit checkpoint --out before-${org.record.slug}.txt (size ${org.record.savedBeforeT})`).join("\n")}`,
      };
    });

    await step("keep deciding after T (none of it may be in the restore)", async () => {
      // Commits after T carry later timestamps on the same clock; a moment apart makes that plain in the log.
      await new Promise((done) => setTimeout(done, 50));
      const made = await decide(orgs, primaryApi, "after T", opts.decisions);
      await waitUntilSigned(primary, ids);
      for (const org of orgs) {
        org.record.afterT = made.get(org.org.id) ?? [];
        // Published: a checkpoint someone outside now holds (an auditor's saved copy, a witness's cosigned one).
        await gatehouseOk(["audit", "checkpoint", "--out", `published-${org.record.slug}.txt`], connection(org, primaryApi), auditor);
        org.record.publishedAfterT = sizeOfNote(readFileSync(join(auditor, `published-${org.record.slug}.txt`), "utf8"));
      }
      return {
        value: undefined,
        detail: orgs.map((org) => `${org.record.slug}: ${org.record.afterT?.length} decisions after T; checkpoint published at size ${org.record.publishedAfterT}`).join("\n"),
      };
    });

    await step("switch WAL and wait until the archive holds it", async () => {
      const [row] = await primary.query<{ segment: string }>(`SELECT pg_walfile_name(pg_switch_wal()) AS segment`);
      const segment = row?.segment as string;
      const deadline = Date.now() + 30_000;
      for (;;) {
        const [archiver] = await primary.query<{ last_archived_wal: string | null; failed_count: string }>(`SELECT last_archived_wal, failed_count FROM pg_stat_archiver`);
        if (archiver?.last_archived_wal && archiver.last_archived_wal >= segment && existsSync(join(archive, segment))) break;
        if (Date.now() > deadline) throw new Error(`${segment} was not archived within 30 s (archiver: ${JSON.stringify(archiver)})\n${primary.logTail()}`);
        await new Promise((done) => setTimeout(done, 100));
      }
      return { value: undefined, detail: `${segment} archived; ${readdirSync(archive).length} files in ${archive}` };
    });

    await step("stop Gatehouse and the primary (the disaster)", async () => {
      // The primary is stopped, not kept beside the restore: a restore replaces a lost primary, so the restored
      // cluster takes its address and Gatehouse's configuration does not change; and with the old primary gone, nothing
      // can go on writing the history the restore leaves behind, nor can a check reach it by mistake.
      await running?.stop();
      running = undefined;
      await disconnectDb();
      await primary.stop("fast");
      return { value: undefined, detail: `primary stopped; its data folder is not read again` };
    });

    restored = cluster({ name: "restored", bin: opts.pgBin, data: join(dir, "restored"), port, logFile: join(dir, "restored.log") });
    const target = restored;
    const promotion = await step("restore the base backup to T in a second cluster", async () => {
      mkdirSync(target.data, { mode: 0o700 });
      giveToClusterUser(target.data);
      await unpackBaseBackup(base, target.data);
      writeRecoverySettings(target.data, { restoreCommand: `cp "${archive}/%f" "%p"`, targetTime: atT, settings: {} });
      await target.start();
      const value = await waitForPromotion(target, 120_000);
      report.recovery = value;
      return {
        value,
        detail: [
          `${target.data}: restore_command from ${archive}, recovery_target_time '${atT}', recovery_target_action promote, archive_mode off`,
          `PostgreSQL: ${value.stoppedAt ?? "(no stop line)"}`,
          `PostgreSQL: ${value.lastReplayed ?? "(no last-transaction line)"}`,
          `promoted on timeline ${value.timeline}`,
        ].join("\n"),
      };
    });
    expect(promotion.timeline > 1, "the restored cluster did not start a new timeline");

    await step("migrations on the restored database", async () => {
      const result = await migrate({ url: target.url });
      expect(result.applied.length === 0, `migrations applied to a database restored from this release: ${result.applied.join(", ")}`);
      return { value: undefined, detail: `none pending (${result.alreadyApplied.length} recorded in the restored database)` };
    });

    await step("the restored logs are the logs at T", async () => {
      const heads = await headSizes(target, ids);
      for (const org of orgs) {
        const head = heads.get(org.org.id);
        expect(head !== undefined, `${org.record.slug} is not in the restored database`);
        const [present] = await target.query<{ n: string }>(`SELECT count(*) AS n FROM audit_entries WHERE id = ANY($1)`, [org.record.afterT ?? []]);
        org.record.restored = { size: head.size, largestCheckpoint: head.signed, afterTPresent: Number(present?.n) };
        expect(head.size === org.record.sizeAtT, `${org.record.slug}: the restored log has ${head.size} entries, ${org.record.sizeAtT} at T`);
        expect(Number(present?.n) === 0, `${org.record.slug}: ${present?.n} decisions made after T are in the restore`);
        expect(
          head.signed === org.record.savedBeforeT,
          `${org.record.slug}: the restored database's largest checkpoint is ${head.signed}, the one saved before T ${org.record.savedBeforeT}`,
        );
      }
      return {
        value: undefined,
        detail: orgs
          .map(
            (org) =>
              `${org.record.slug}: ${org.record.restored?.size} entries (= at T), largest checkpoint ${org.record.restored?.largestCheckpoint}, 0 of ${org.record.afterT?.length} decisions after T`,
          )
          .join("\n"),
      };
    });

    running = await step("Gatehouse (API and worker) on the restored database", async () => {
      const value = await startGatehouse(target.url, masterKey, join(dir, "home-restored"));
      return { value, detail: `API ${value.apiUrl}, same DATABASE_URL and GATEHOUSE_MASTER_KEY as before the disaster` };
    });
    const restoredApi = running.apiUrl;

    await step("every org's restored log verifies (export, gatehouse verify with the saved keys --since the saved checkpoint)", async () => {
      const lines: string[] = [];
      for (const org of orgs) {
        const slug = org.record.slug;
        await gatehouseOk(["audit", "export", "--out", `restored-${slug}.jsonl`], connection(org, restoredApi), auditor);
        const verify = await gatehouse(["verify", `restored-${slug}.jsonl`, "--key", `@keys-${slug}.txt`, "--since", `before-${slug}.txt`, "--json"], null, auditor);
        const result = JSON.parse(verify.stdout) as { valid: boolean; treeSize: number | null; problem: string | null; since: { consistent: boolean } | null };
        expect(verify.code === 0 && result.valid, `${verify.typed}: ${result.problem}`);
        expect(result.treeSize === org.record.sizeAtT, `${slug}: the restored bundle's tree size is ${result.treeSize}, ${org.record.sizeAtT} at T`);
        expect(result.since?.consistent === true, `${slug}: the restored log does not extend the checkpoint saved before T`);
        const server = await gatehouseOk(["audit", "verify", "--json"], connection(org, restoredApi), auditor);
        expect((JSON.parse(server.stdout) as { valid: boolean }).valid, `${slug}: the server's own verification fails on the restored log`);
        if (org.record.restored) org.record.restored.verified = true;
        lines.push(`${verify.typed.replace(" --json", "")} → ✓ valid, tree size ${result.treeSize}, extends before-${slug}.txt; the server's verification agrees`);
      }
      return { value: undefined, detail: lines.join("\n") };
    });

    await step("the log continues: new decisions, a new checkpoint signed by the worker, consistent with the one before", async () => {
      // As many decisions as take each log past the size of its checkpoint published after T: the sizes that
      // checkpoint covers now hold other entries, the fork the next step shows.
      const count = Math.max(...orgs.map((org) => (org.record.publishedAfterT ?? 0) - (org.record.sizeAtT ?? 0))) + 1;
      const made = await decide(orgs, restoredApi, "after the restore", count);
      const signed = await waitUntilSigned(target, ids);
      const lines: string[] = [];
      for (const org of orgs) {
        const slug = org.record.slug;
        const restoredKnows = Math.max(org.record.restored?.size ?? 0, org.record.restored?.largestCheckpoint ?? 0);
        const admin = new GatehouseAdmin({ apiKey: org.adminKey, baseUrl: restoredApi });
        // The worker's checkpoint, read from the list (which signs nothing), not one signed on demand.
        const newest = (await admin.audit.checkpoints({ limit: 1 })).checkpoints[0];
        expect(newest !== undefined && newest.treeSize === signed.get(org.org.id), `${slug}: the newest checkpoint is not the worker's of the whole log`);
        expect(
          newest.treeSize > restoredKnows,
          `${slug}: the newest checkpoint (size ${newest.treeSize}) is not beyond the largest size the restored database knew (${restoredKnows})`,
        );
        const keys = readFileSync(join(auditor, `keys-${slug}.txt`), "utf8")
          .split("\n")
          .filter((line) => line.trim() !== "");
        const before = readFileSync(join(auditor, `before-${slug}.txt`), "utf8");
        const proof = await admin.audit.consistency({ since: before, to: newest.treeSize, keys });
        expect(proof.verified, `${slug}: the consistency proof from the checkpoint saved before T to the new one fails: ${proof.problem}`);
        await gatehouseOk(["audit", "export", "--out", `continued-${slug}.jsonl`], connection(org, restoredApi), auditor);
        const verify = await gatehouseOk(["verify", `continued-${slug}.jsonl`, "--key", `@keys-${slug}.txt`, "--since", `before-${slug}.txt`], null, auditor);
        org.record.continued = { newCheckpoint: newest.treeSize, consistentFrom: org.record.savedBeforeT as number, verified: true };
        lines.push(
          `${slug}: ${made.get(org.org.id)?.length} decisions; the worker signed size ${newest.treeSize} > ${restoredKnows} (the largest the restored database knew); the consistency proof ${org.record.savedBeforeT} → ${newest.treeSize} verifies with the saved keys`,
        );
        lines.push(`  ${verify.typed} → ${verdictOf(verify)}`);
      }
      return { value: undefined, detail: lines.join("\n") };
    });

    await step("the checkpoints published after T no longer hold: whoever holds one sees a fork", async () => {
      const lines: string[] = [];
      for (const org of orgs) {
        const slug = org.record.slug;
        const verify = await gatehouse(["verify", `continued-${slug}.jsonl`, "--key", `@keys-${slug}.txt`, "--since", `published-${slug}.txt`, "--json"], null, auditor);
        const result = JSON.parse(verify.stdout) as { valid: boolean; problem: string | null };
        org.record.fork = { detected: !result.valid, problem: result.problem };
        expect(
          !result.valid && verify.code === 1,
          `${slug}: the continued log verified against the checkpoint published after T (size ${org.record.publishedAfterT}): the fork went unseen`,
        );
        lines.push(
          `${slug}: published at size ${org.record.publishedAfterT} before the disaster; restored to ${org.record.sizeAtT}; continued to ${org.record.continued?.newCheckpoint}`,
        );
        lines.push(`  gatehouse verify continued-${slug}.jsonl --key @keys-${slug}.txt --since published-${slug}.txt → ✗ ${result.problem}`);
      }
      lines.push("Expected here: the drill restores to T on purpose. In production restore to the end of the archive (docs/backup-and-restore.md).");
      return { value: undefined, detail: lines.join("\n") };
    });
  } catch (error) {
    const last = running?.output();
    if (last) say(`the API's and the worker's last lines:\n${last}`);
    throw error;
  } finally {
    await stopAll();
  }
}

// ── The restore check on the operator's own backups ─────────────────────────────────────────────

async function runRestoreCheck(opts: Options, dir: string, own: NonNullable<Options["own"]>): Promise<void> {
  report.mode = "restore-check";
  report.targetTime = own.targetTime ?? null;
  const masterKey = process.env.GATEHOUSE_MASTER_KEY;
  if (!masterKey) throw new UsageError("the restore check needs GATEHOUSE_MASTER_KEY: the key your Gatehouse encrypts the orgs' signing keys with (it is not in the backup)");
  const port = await freePort();
  // A copy of production data: no TCP port, a socket in a folder only the cluster's user (and root) can enter, and
  // production's pg_hba.conf replaced by trust on that socket alone.
  const socketDir = join(dir, "socket");
  mkdirSync(socketDir, { mode: 0o700 });
  giveToClusterUser(socketDir);
  const at = (database: string) => cluster({ name: "restored", bin: opts.pgBin, data: join(dir, "restored"), port, logFile: join(dir, "restored.log"), database, socketDir });
  const restored = at("postgres");
  toStop.push(
    () => restored.stop("immediate"),
    () => disconnectDb(),
  );
  for (const name of ["REDIS_URL", "DATABASE_REPLICA_URL", "SMTP_URL", "DATABASE_POOL_MODE"]) delete process.env[name];
  process.env.MAIL_TRANSPORT = "off";
  try {
    await step("restore the base backup into a scratch cluster", async () => {
      mkdirSync(restored.data, { mode: 0o700 });
      giveToClusterUser(restored.data);
      const found = await unpackBaseBackup(own.baseBackup, restored.data);
      // A backup of a cluster whose configuration lives elsewhere (Debian's /etc/postgresql) has none of its own.
      if (!existsSync(join(restored.data, "postgresql.conf"))) writeClusterFile(join(restored.data, "postgresql.conf"), "");
      writeClusterFile(join(restored.data, "pg_hba.conf"), "# The restore drill's scratch copy: its socket only.\nlocal all all trust\n");
      writeClusterFile(join(restored.data, "pg_ident.conf"), "");
      writeRecoverySettings(restored.data, {
        restoreCommand: own.restoreCommand,
        ...(own.targetTime === undefined ? {} : { targetTime: own.targetTime }),
        settings: {
          port: String(port),
          listen_addresses: "",
          unix_socket_directories: socketDir,
          hba_file: join(restored.data, "pg_hba.conf"),
          ident_file: join(restored.data, "pg_ident.conf"),
          // Production's replication and preloaded libraries are not the scratch copy's.
          primary_conninfo: "",
          shared_preload_libraries: "",
          ...own.pgOptions,
        },
      });
      await restored.start();
      const value = await waitForPromotion(restored, 30 * 60_000);
      report.recovery = value;
      return {
        value,
        detail: [
          `${found} into ${restored.data}; restore_command ${own.restoreCommand}; ${own.targetTime ? `recovery_target_time '${own.targetTime}'` : "replayed to the end of the archive"}`,
          `PostgreSQL: ${value.stoppedAt ?? value.lastReplayed ?? "(no stop line)"}`,
          `promoted on timeline ${value.timeline}; archiving off; listening on its socket in ${socketDir} only`,
        ].join("\n"),
      };
    });

    const database = await step("find Gatehouse's database and apply this release's migrations", async () => {
      const names = await restored.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY datname`);
      let found: string | undefined;
      for (const { datname } of names) {
        const probe = at(datname);
        const [row] = await probe.query<{ found: string | null }>(`SELECT to_regclass('public.audit_log_heads')::text AS found`).catch(() => [{ found: null }]);
        if (row?.found) {
          found = probe.url;
          break;
        }
      }
      expect(found !== undefined, `no database of the restored cluster has Gatehouse's tables (${names.map((n) => n.datname).join(", ")})`);
      const result = await migrate({ url: found });
      return { value: found, detail: `${found}: ${result.applied.length} migrations applied (${result.alreadyApplied.length} already)` };
    });
    process.env.DATABASE_URL = database;
    process.env.GATEHOUSE_MASTER_KEY = masterKey;

    const saved = readSavedCheckpoints(own.checkpoints);
    await step("every org's log verifies, its signing key signs, and it extends the checkpoints saved outside", async () => {
      // Each log as restored, before the verification below signs its head (when no checkpoint covers it yet: a
      // checkpoint of production's own history, the same bytes production signs at that size).
      const orgs = await db().pool.query<{ id: string; slug: string; name: string; size: string; signed: string | null }>(
        `SELECT o.id, o.slug, o.name, h.size, (SELECT max(c.tree_size) FROM checkpoints c WHERE c.org_id = o.id) AS signed
         FROM orgs o JOIN audit_log_heads h ON h.org_id = o.id ORDER BY o.created_at`,
      );
      const lines: string[] = [];
      const problems: string[] = [];
      for (const row of orgs.rows) {
        const org: OrgRef = { id: row.id, slug: row.slug, name: row.name };
        const ctx = systemCtx(org, "restore-drill");
        const verification = await verifyAuditLog({ ctx });
        const health = await getGovernanceHealth({ ctx });
        const key = health.items.signingKey;
        const checks: Array<{ file: string; size: number; verdict: string }> = [];
        for (const note of saved.get(org.id) ?? []) checks.push({ file: note.file, size: note.size, verdict: await extends_(ctx, note.text, Number(row.size)) });
        const record: OrgRecord = {
          orgId: org.id,
          slug: org.slug,
          restored: { size: Number(row.size), largestCheckpoint: row.signed === null ? null : Number(row.signed) },
          check: { verified: verification.valid, entries: verification.checkedEntries, signingKey: `${key.status}: ${key.reason}`, savedCheckpoints: checks },
        };
        report.orgs.push(record);
        if (!verification.valid) problems.push(`${org.slug}: the log does not verify: ${verification.problem}`);
        if (key.status === "fail") problems.push(`${org.slug}: ${key.reason}`);
        for (const check of checks) if (!check.verdict.startsWith("✓")) problems.push(`${org.slug}: ${check.file}: ${check.verdict}`);
        lines.push(
          `${org.slug} (${org.id}): ${verification.valid ? "✓" : "✗"} ${verification.checkedEntries} entries, ${verification.checkedCheckpoints} checkpoints; signing key ${key.status}`,
        );
        for (const check of checks) lines.push(`  ${check.file} (size ${check.size}): ${check.verdict}`);
      }
      const unknown = [...saved.keys()].filter((id) => !orgs.rows.some((row) => row.id === id));
      for (const id of unknown) problems.push(`a saved checkpoint names ${id}, which the restored database does not hold`);
      expect(problems.length === 0, `${problems.join("\n")}\n${lines.join("\n")}`);
      return { value: undefined, detail: `${orgs.rows.length} orgs\n${lines.join("\n")}` };
    });
  } finally {
    await stopAll();
  }
}

interface SavedCheckpoint {
  file: string;
  size: number;
  text: string;
}

/** The signed checkpoints in a folder, by org (from each note's origin, `gatehouse/<orgId>`). */
function readSavedCheckpoints(folder: string | undefined): Map<string, SavedCheckpoint[]> {
  const byOrg = new Map<string, SavedCheckpoint[]>();
  if (folder === undefined) return byOrg;
  for (const file of readdirSync(folder).sort()) {
    const path = join(folder, file);
    if (!statSync(path).isFile()) continue;
    const text = readFileSync(path, "utf8");
    let body: ReturnType<typeof parseCheckpoint>;
    try {
      body = parseCheckpoint(text.slice(0, text.indexOf("\n\n") + 1));
    } catch (error) {
      throw new UsageError(`--checkpoints: ${path} is not a signed checkpoint (${(error as Error).message})`);
    }
    const orgId = body.origin.replace(/^gatehouse\//, "");
    byOrg.set(orgId, [...(byOrg.get(orgId) ?? []), { file, size: body.size, text }]);
  }
  return byOrg;
}

/**
 * Whether the restored log extends a checkpoint saved outside: its signature by one of the org's keys, then a
 * consistency proof from its size to the restored log's, checked against both roots. A saved checkpoint beyond the
 * restored log is the case docs/backup-and-restore.md is about: signed, published, and lost with the restore.
 */
async function extends_(ctx: ReturnType<typeof systemCtx>, note: string, restoredSize: number): Promise<string> {
  const verifiers = (await listSigningKeys({ ctx })).map((key) => parseVerifierKey(key.vkey));
  try {
    openNote(note, verifiers);
  } catch (error) {
    return `✗ not signed by any of the org's keys in the restored database (${(error as Error).message})`;
  }
  const body = parseCheckpoint(note.slice(0, note.indexOf("\n\n") + 1));
  if (body.size > restoredSize) {
    return `✗ beyond the restored log (${restoredSize} entries): ${body.size - restoredSize} entries were signed and are lost with this restore; whoever holds this checkpoint will see the log continued from here as a fork`;
  }
  const proof = await getAuditProof({ ctx, input: { from: body.size, to: restoredSize } });
  if (proof.type !== "consistency") throw new Error("asked for a consistency proof, got another");
  const check = verifyConsistency(
    body.size,
    restoredSize,
    proof.proof.map((hash) => Buffer.from(hash, "hex")),
    body.rootHash,
    Buffer.from(proof.toRootHash, "hex"),
  );
  return check.ok ? `✓ the restored log (${restoredSize} entries) extends it` : `✗ the restored log does not extend it: ${check.reason}`;
}

function megabytes(path: string): string {
  let total = 0;
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) total += statSync(full).size;
    }
  };
  walk(path);
  return (total / 1024 / 1024).toFixed(1);
}

// ── Main ──────────────────────────────────────────────────────────────────────────────────────────

let opts: Options;
try {
  opts = options(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), "gatehouse-restore-drill-"));
chmodSync(dir, 0o755);
giveToClusterUser(dir);
// Ctrl-C, or a test's time limit: nothing the drill started outlives it (the clusters are daemons; the API and the
// worker run in process groups of their own).
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping what the drill started`);
    void stopAll().finally(() => {
      if (!opts.keep) rmSync(dir, { recursive: true, force: true });
      process.exit(130);
    });
  });
}
let code = 1;
try {
  say(opts.own ? `restore check of ${opts.own.baseBackup}, in ${dir}` : `restore drill in ${dir}`);
  if (opts.own) await runRestoreCheck(opts, dir, opts.own);
  else await runDrill(opts, dir);
  report.ok = true;
  code = 0;
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n`);
    code = 2;
  }
  report.failure = error instanceof Error ? error.message : String(error);
  if (!(error instanceof DrillFailed) && !(error instanceof UsageError)) say(`✗ ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  report.totalMs = performance.now() - started;
  report.dir = opts.keep ? dir : null;
  const failed = report.steps.find((s) => !s.ok);
  say(
    report.ok
      ? `PASSED: ${report.steps.length} steps in ${seconds(report.totalMs)}`
      : `FAILED${failed ? ` at step ${report.steps.indexOf(failed) + 1}, ${failed.name}` : ""} after ${seconds(report.totalMs)}`,
  );
  say(`timings: ${report.steps.map((s, i) => `${i + 1} ${seconds(s.ms)}`).join(", ")}`);
  if (opts.json) writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
  if (opts.keep) say(`kept ${dir} (clusters stopped; the auditor's files in ${join(dir, "auditor")})`);
  else rmSync(dir, { recursive: true, force: true });
}
process.exit(code);
