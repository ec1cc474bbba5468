import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import pg from "pg";

/** Debian's `pgbouncer` (`.ci/run` installs it). */
export const PGBOUNCER = "/usr/sbin/pgbouncer";

export interface PgBouncer {
  /** A postgresql:// URL through PgBouncer to the database `databaseUrl` named. */
  url: string;
  /** PgBouncer's log so far (what it refused, and why). */
  log: () => string;
  stop: () => Promise<void>;
}

/**
 * A real PgBouncer in transaction mode in front of the database `databaseUrl` names, on a free
 * loopback port, with PgBouncer's stock settings but for where it listens, how clients sign in
 * (trust, as the test PostgreSQL does), the pool's size and, when asked, `server_login_retry`: in particular no
 * `ignore_startup_parameters`, so a client that sends `statement_timeout` or any other start-up
 * parameter PgBouncer does not track is refused, as a stock installation refuses it.
 */
export async function startPgBouncer(options: {
  databaseUrl: string;
  port: number;
  poolSize?: number;
  maxClients?: number;
  /** PgBouncer's `server_login_retry` (stock: 15 s): how long it waits to connect again after a failed connection to the server. */
  serverLoginRetrySeconds?: number;
}): Promise<PgBouncer> {
  const database = new URL(options.databaseUrl);
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-pgbouncer-"));
  const user = decodeURIComponent(database.username);
  writeFileSync(join(dir, "userlist.txt"), `"${user}" ""\n`);
  writeFileSync(
    join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `gatehouse = host=${database.hostname} port=${database.port || 5432} dbname=${database.pathname.slice(1)} user=${user}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${options.port}`,
      `unix_socket_dir = ${dir}`,
      "auth_type = trust",
      `auth_file = ${join(dir, "userlist.txt")}`,
      "pool_mode = transaction",
      `default_pool_size = ${options.poolSize ?? 20}`,
      `max_client_conn = ${options.maxClients ?? 100}`,
      ...(options.serverLoginRetrySeconds === undefined ? [] : [`server_login_retry = ${options.serverLoginRetrySeconds}`]),
      `logfile = ${join(dir, "pgbouncer.log")}`,
      `pidfile = ${join(dir, "pgbouncer.pid")}`,
      "",
    ].join("\n"),
  );
  // PgBouncer refuses to run as root: started by root (CI), it runs as the postgres user.
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const { uid, gid } = await new Promise<{ uid: number; gid: number }>((resolve, reject) => {
      const id = spawn("id", ["postgres"]);
      let out = "";
      id.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      id.on("exit", (code) => (code === 0 ? resolve({ uid: Number(/uid=(\d+)/.exec(out)?.[1]), gid: Number(/gid=(\d+)/.exec(out)?.[1]) }) : reject(new Error("no postgres user"))));
    });
    chownSync(dir, uid, gid);
    for (const file of ["userlist.txt", "pgbouncer.ini"]) chmodSync(join(dir, file), 0o644);
  }
  const child: ChildProcess = spawn(PGBOUNCER, [...(asRoot ? ["-u", "postgres"] : []), join(dir, "pgbouncer.ini")], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.on("error", (error) => (stderr += `\n${error.message}`)); // not installed: the wait below says so
  const url = `postgresql://${database.username}@127.0.0.1:${options.port}/gatehouse`;
  const log = () => (existsSync(join(dir, "pgbouncer.log")) ? readFileSync(join(dir, "pgbouncer.log"), "utf8") : "") + stderr;
  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new pg.Client({ connectionString: url });
    try {
      await probe.connect();
      await probe.query("SELECT 1");
      await probe.end();
      return { url, log, stop };
    } catch (error) {
      await probe.end().catch(() => {});
      // Exited (a port taken meanwhile, a bad setting) or never started: no use waiting, and the port may be another's.
      if (Date.now() > deadline || child.exitCode !== null || child.pid === undefined) {
        const text = log();
        await stop();
        throw new Error(`PgBouncer did not come up: ${String(error)}\n${text}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
