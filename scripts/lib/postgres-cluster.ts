// A PostgreSQL cluster of the restore drill's own (scripts/restore-drill.ts): a data directory, a port on
// 127.0.0.1 and a socket folder, run with the binaries of one PostgreSQL version (Debian's 15 unless told
// otherwise). As root, every binary runs as the postgres user (initdb and the server refuse root) and the
// files it needs are handed to that user; as anyone else, as that user. Nothing here touches a cluster it
// did not start.
import { execFile, execFileSync } from "node:child_process";
import { appendFileSync, chownSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

export const DEFAULT_PG_BIN = "/usr/lib/postgresql/15/bin";

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary (as postgres when this process is root); its output, or an error carrying it. */
export async function pgBinary(bin: string, binary: string, args: string[], timeoutMs = 120_000): Promise<string> {
  const path = join(bin, binary);
  if (!existsSync(path)) throw new Error(`${path} does not exist (install PostgreSQL's server package, or pass --pg-bin)`);
  const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", path, ...args]] : [path, args];
  try {
    const { stdout, stderr } = await run(file, argv, { encoding: "utf8", timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
    return `${stdout}${stderr}`;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${binary} ${args.join(" ")} failed: ${(failed.stderr || failed.stdout || failed.message).trim()}`);
  }
}

/** Runs any command as the user the clusters run as (cp, tar into their folders). */
export async function asClusterUser(command: string, args: string[]): Promise<void> {
  const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
  try {
    await run(file, argv, { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const failed = error as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(" ")} failed: ${(failed.stderr || failed.message).trim()}`);
  }
}

/** Hands a folder this process made to the user the clusters run as (a no-op unless root). */
export function giveToClusterUser(path: string): void {
  if (!asRoot) return;
  const { uid, gid } = postgresIds();
  chownSync(path, uid, gid);
}

/** Writes a file into a cluster's folder, owned by the user the clusters run as. */
export function writeClusterFile(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  giveToClusterUser(path);
}

let ids: { uid: number; gid: number } | undefined;
function postgresIds(): { uid: number; gid: number } {
  ids ??= {
    uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()),
    gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim()),
  };
  return ids;
}

/** A PostgreSQL string literal for a configuration file. */
export function confString(value: string): string {
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
}

export interface Cluster {
  readonly name: string;
  readonly data: string;
  readonly port: number;
  /** postgresql://postgres@127.0.0.1:<port>/<database>, or the socket folder's name encoded as the host */
  readonly url: string;
  readonly logFile: string;
  start(): Promise<void>;
  stop(mode?: "fast" | "immediate"): Promise<void>;
  /** One statement on a connection of its own. */
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  /** The server log's last lines, for a failure's message. */
  logTail(lines?: number): string;
}

/**
 * A cluster over an existing data directory (made by initdb, or restored from a base backup), reached on
 * 127.0.0.1, or with `socketDir` through its Unix socket there only (a copy of production data listens on no port).
 */
export function cluster(options: { name: string; bin: string; data: string; port: number; logFile: string; database?: string; socketDir?: string }): Cluster {
  const { name, bin, data, port, logFile } = options;
  const host = options.socketDir === undefined ? "127.0.0.1" : encodeURIComponent(options.socketDir);
  const url = `postgresql://postgres@${host}:${port}/${encodeURIComponent(options.database ?? "postgres")}`;
  return {
    name,
    data,
    port,
    url,
    logFile,
    async start() {
      try {
        await pgBinary(bin, "pg_ctl", ["-D", data, "-l", logFile, "-w", "-t", "120", "start"]);
      } catch (error) {
        throw new Error(`${name}: ${(error as Error).message}\n${this.logTail()}`);
      }
    },
    async stop(mode = "fast") {
      if (!existsSync(join(data, "postmaster.pid"))) return;
      await pgBinary(bin, "pg_ctl", ["-D", data, "-m", mode, "-w", "-t", "60", "stop"]);
    },
    async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
      await client.connect();
      try {
        return (await client.query<R>(text, values)).rows;
      } finally {
        await client.end();
      }
    },
    logTail(lines = 30) {
      try {
        return readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
      } catch {
        return "(no server log)";
      }
    },
  };
}

/**
 * Fills `data` (an empty folder of the cluster user) from a base backup made by pg_basebackup: a plain-format folder,
 * or the tar format's base.tar[.gz] (with pg_wal.tar[.gz] into pg_wal when the backup carries its WAL). Answers what
 * it found, for the report.
 */
export async function unpackBaseBackup(backup: string, data: string): Promise<string> {
  if (!existsSync(backup)) throw new Error(`the base backup ${backup} does not exist`);
  const tar = ["base.tar", "base.tar.gz"].map((name) => join(backup, name)).find((path) => existsSync(path));
  if (!tar) {
    if (!existsSync(join(backup, "PG_VERSION")))
      throw new Error(`${backup} is neither a plain-format base backup (no PG_VERSION) nor a tar-format one (no base.tar or base.tar.gz)`);
    await asClusterUser("cp", ["-a", `${backup}/.`, data]);
    return `plain format, copied from ${backup}`;
  }
  await asClusterUser("tar", ["-xf", tar, "-C", data]);
  const wal = ["pg_wal.tar", "pg_wal.tar.gz"].map((name) => join(backup, name)).find((path) => existsSync(path));
  if (wal) await asClusterUser("tar", ["-xf", wal, "-C", join(data, "pg_wal")]);
  return `tar format, ${tar}${wal ? ` and ${wal}` : ""} unpacked`;
}

export interface RecoverySettings {
  /** How the restored cluster fetches each WAL file from the archive (`%f` the file's name, `%p` where to put it). */
  restoreCommand: string;
  /** Stop replaying at the last commit at or before this time (PostgreSQL's `recovery_target_time`); unset: replay the whole archive. */
  targetTime?: string;
  /** Further settings for the restored cluster (its port, its socket folder, …). */
  settings: Record<string, string>;
}

/**
 * Makes a restored data folder recover from the archive on its next start: the settings at the end of
 * postgresql.auto.conf (the last value of a setting wins), recovery.signal, and no standby.signal a
 * backup of a standby may carry. Promoted once the target is reached, so it takes writes at once.
 * Archiving is off: a restored copy must never write its new timeline into the archive it restores from.
 */
export function writeRecoverySettings(data: string, recovery: RecoverySettings): void {
  const lines = [
    "",
    "# Added by the restore drill (scripts/restore-drill.ts).",
    `restore_command = ${confString(recovery.restoreCommand)}`,
    ...(recovery.targetTime === undefined ? [] : [`recovery_target_time = ${confString(recovery.targetTime)}`, "recovery_target_action = 'promote'"]),
    "archive_mode = 'off'",
    ...Object.entries(recovery.settings).map(([name, value]) => `${name} = ${confString(value)}`),
    "",
  ];
  appendFileSync(join(data, "postgresql.auto.conf"), lines.join("\n"));
  writeFileSync(join(data, "recovery.signal"), "");
  giveToClusterUser(join(data, "recovery.signal"));
  rmSync(join(data, "standby.signal"), { force: true });
}

export interface Promotion {
  /** The timeline the restored cluster writes on (the backup's plus one after a recovery to a target). */
  timeline: number;
  /** PostgreSQL's own line on where replay stopped ("recovery stopping before commit of transaction 812, time …"), when it wrote one. */
  stoppedAt: string | null;
  /** Its line on the last transaction it replayed ("last completed transaction was at log time …"). */
  lastReplayed: string | null;
}

/** Waits until a cluster started in recovery has replayed to its target and been promoted; fails with its log when it stops instead. */
export async function waitForPromotion(restored: Cluster, timeoutMs: number): Promise<Promotion> {
  const deadline = Date.now() + timeoutMs;
  let last = "not asked yet";
  while (Date.now() < deadline) {
    if (!existsSync(join(restored.data, "postmaster.pid"))) throw new Error(`${restored.name} stopped during recovery:\n${restored.logTail()}`);
    try {
      const [row] = await restored.query<{ recovering: boolean; segment: string | null }>(
        `SELECT pg_is_in_recovery() AS recovering, CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_walfile_name(pg_current_wal_lsn()) END AS segment`,
      );
      if (row && !row.recovering && row.segment) {
        const log = readFileSync(restored.logFile, "utf8");
        return {
          timeline: Number.parseInt(row.segment.slice(0, 8), 16),
          stoppedAt: /recovery stopping [^\n]*/.exec(log)?.[0] ?? null,
          lastReplayed: /last completed transaction was at log time [^\n]*/.exec(log)?.[0] ?? null,
        };
      }
      last = "still in recovery";
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${restored.name} was not promoted within ${Math.round(timeoutMs / 1000)} s (${last}):\n${restored.logTail()}`);
}
