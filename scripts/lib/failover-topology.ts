// A PostgreSQL that fails over, as teams run it (issue 43; docs/deploying.md): Patroni managing a primary and a
// synchronous standby, etcd as its store, and HAProxy sending connections to whichever node Patroni's REST API
// calls the primary (and, on a second port, to the streaming replica). Debian's packages (`patroni`, `etcd-server`, `haproxy`; `.ci/run` installs them), every
// process on loopback addresses and free ports, its files in one temp folder. Used by the failover fault test and
// by `npm run failover` (scripts/failover.ts), which starts it for a person to try.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@gatehouse/db/testing";
import pg from "pg";

const PG_BIN = "/usr/lib/postgresql/15/bin";
export const FAILOVER_BINARIES = { patroni: "/usr/bin/patroni", etcd: "/usr/bin/etcd", haproxy: "/usr/sbin/haproxy", postgres: join(PG_BIN, "postgres") };

export interface PatroniNode {
  name: string;
  port: number;
  restPort: number;
  url: string;
}

export interface FailoverTopology {
  /** Through HAProxy: always the current primary. */
  url: string;
  /** Through HAProxy: a node Patroni calls a streaming replica (none while only the primary runs). */
  replicaUrl: string;
  nodes: PatroniNode[];
  /** The node Patroni calls the primary now (its REST API), or null while there is none. */
  primary(): Promise<PatroniNode | null>;
  /** Waits until a primary answers through HAProxy and a synchronous standby streams to it; the time it took. */
  waitHealthy(timeoutMs?: number): Promise<number>;
  /** The process id of a node's postmaster. */
  postmasterPid(node: PatroniNode): number;
  /**
   * Patroni's maintenance mode (`patronictl pause`) on or off, waiting until every node runs in it. While it is on,
   * Patroni neither fails over nor undoes a replay paused by hand (it resumes one each loop on PostgreSQL 14+).
   */
  maintenance(on: boolean): Promise<void>;
  /** Patroni's and PostgreSQL's logs so far, for a failing test's output. */
  logs(): string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function idOf(flag: "-u" | "-g", user: string): number {
  return Number(execFileSync("id", [flag, user], { encoding: "utf8" }).trim());
}

/** The processes are children of this one; each is stopped with `stop()` (SIGTERM, then SIGKILL). */
function startChild(command: string, args: string[], logFile: string, asPostgres: boolean): ChildProcess {
  const [file, argv] = asPostgres ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
  const child = spawn(file, argv, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PATH: `${PG_BIN}:${process.env.PATH ?? ""}` } });
  const append = (chunk: Buffer) => {
    try {
      writeFileSync(logFile, chunk, { flag: "a" });
    } catch {
      // The topology stopped and its folder is gone; a PostgreSQL that inherited the pipe still says goodbye.
    }
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  return child;
}

async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts etcd, two Patroni nodes (the first bootstraps the cluster, the second follows it as its synchronous
 * standby) and HAProxy, and waits until the cluster is healthy. Patroni's timings are tightened for a test
 * (`loop_wait` 1 s, `ttl` 10 s) and `primary_start_timeout: 0`: a primary whose postmaster dies is not
 * restarted in place but failed over to the synchronous standby at once, which in synchronous mode holds
 * every committed transaction.
 */
export async function startFailoverTopology(options: { log?: (line: string) => void } = {}): Promise<FailoverTopology> {
  const log = options.log ?? (() => {});
  for (const [name, path] of Object.entries(FAILOVER_BINARIES)) {
    if (!existsSync(path)) throw new Error(`${name} is not installed at ${path} (apt-get install patroni etcd-server haproxy postgresql)`);
  }
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-failover-"));
  chmodSync(dir, 0o755);
  const children: ChildProcess[] = [];
  // Whatever fails while the topology starts stops what it started and removes its files.
  try {
    return await startIn(dir, children, log);
  } catch (error) {
    for (const child of [...children].reverse()) await stopChild(child);
    stopPostgres(dir);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Stops (immediate) any PostgreSQL a Patroni node left running under `dir`. */
function stopPostgres(dir: string): void {
  for (const name of ["node1", "node2"]) {
    const data = join(dir, name, "data");
    if (!existsSync(join(data, "postmaster.pid"))) continue;
    try {
      execFileSync("runuser", ["-u", "postgres", "--", join(PG_BIN, "pg_ctl"), "-D", data, "-m", "immediate", "stop"], { stdio: "ignore" });
    } catch {
      // not running
    }
  }
}

async function startIn(dir: string, children: ChildProcess[], log: (line: string) => void): Promise<FailoverTopology> {
  const uid = idOf("-u", "postgres");
  const gid = idOf("-g", "postgres");
  const [etcdClient, etcdPeer, haproxyPort, replicaPort] = [await freePort(), await freePort(), await freePort(), await freePort()];

  const etcdData = join(dir, "etcd");
  children.push(
    startChild(
      FAILOVER_BINARIES.etcd,
      [
        "--name=failover-etcd",
        `--data-dir=${etcdData}`,
        `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-cluster=failover-etcd=http://127.0.0.1:${etcdPeer}`,
        "--log-level=warn",
      ],
      join(dir, "etcd.log"),
      false,
    ),
  );
  await waitUntil(async () => (await fetch(`http://127.0.0.1:${etcdClient}/health`).catch(() => null))?.ok === true, 15_000, "etcd did not start");

  const nodes: PatroniNode[] = [];
  for (const name of ["node1", "node2"]) {
    const port = await freePort();
    nodes.push({ name, port, restPort: await freePort(), url: `postgresql://postgres@127.0.0.1:${port}/postgres` });
  }
  const scope = `gatehouse-${Date.now().toString(36)}`;
  const patroniConfig = (node: PatroniNode) => `scope: ${scope}
name: ${node.name}
log:
  level: WARNING
restapi:
  listen: 127.0.0.1:${node.restPort}
  connect_address: 127.0.0.1:${node.restPort}
etcd3:
  hosts: 127.0.0.1:${etcdClient}
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 1
    retry_timeout: 3
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    primary_start_timeout: 0
    postgresql:
      use_pg_rewind: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        max_connections: 200
  initdb:
  - encoding: UTF8
  - auth: trust
  pg_hba:
  - local all all trust
  - host all all 127.0.0.1/32 trust
  - host replication all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:${node.port}
  connect_address: 127.0.0.1:${node.port}
  data_dir: ${join(dir, node.name, "data")}
  bin_dir: ${PG_BIN}
  pgpass: ${join(dir, node.name, "pgpass")}
  authentication:
    superuser:
      username: postgres
    replication:
      username: postgres
    rewind:
      username: postgres
  parameters:
    unix_socket_directories: ${join(dir, node.name)}
tags:
  nofailover: false
  noloadbalance: false
`;
  for (const node of nodes) {
    mkdirSync(join(dir, node.name), { recursive: true });
    writeFileSync(join(dir, node.name, "patroni.yml"), patroniConfig(node));
    chownSync(join(dir, node.name), uid, gid);
    chownSync(join(dir, node.name, "patroni.yml"), uid, gid);
  }
  // The first node bootstraps; the second starts once the first leads, and follows it.
  children.push(startChild(FAILOVER_BINARIES.patroni, [join(dir, "node1", "patroni.yml")], join(dir, "node1", "patroni.log"), true));
  const primary = async (): Promise<PatroniNode | null> => {
    for (const node of nodes) {
      const answer = await fetch(`http://127.0.0.1:${node.restPort}/primary`, { signal: AbortSignal.timeout(1_000) }).catch(() => null);
      if (answer?.status === 200) return node;
    }
    return null;
  };
  await waitUntil(async () => (await primary()) !== null, 60_000, "the first Patroni node never became primary");
  children.push(startChild(FAILOVER_BINARIES.patroni, [join(dir, "node2", "patroni.yml")], join(dir, "node2", "patroni.log"), true));

  writeFileSync(
    join(dir, "haproxy.cfg"),
    `global
  maxconn 2000
defaults
  mode tcp
  timeout connect 1s
  timeout client 120s
  timeout server 120s
  timeout check 1s
listen postgres_primary
  bind 127.0.0.1:${haproxyPort}
  option httpchk GET /primary
  http-check expect status 200
  default-server inter 300ms fall 2 rise 1 on-marked-down shutdown-sessions
${nodes.map((node) => `  server ${node.name} 127.0.0.1:${node.port} check port ${node.restPort}`).join("\n")}
listen postgres_replica
  bind 127.0.0.1:${replicaPort}
  balance first
  option httpchk GET /replica
  http-check expect status 200
  default-server inter 300ms fall 2 rise 1 on-marked-down shutdown-sessions
${nodes.map((node) => `  server ${node.name} 127.0.0.1:${node.port} check port ${node.restPort}`).join("\n")}
`,
  );
  children.push(startChild(FAILOVER_BINARIES.haproxy, ["-db", "-f", join(dir, "haproxy.cfg")], join(dir, "haproxy.log"), false));
  const url = `postgresql://postgres@127.0.0.1:${haproxyPort}/postgres`;

  const topology: FailoverTopology = {
    url,
    replicaUrl: `postgresql://postgres@127.0.0.1:${replicaPort}/postgres`,
    nodes,
    primary,
    waitHealthy: async (timeoutMs = 90_000) => {
      const started = Date.now();
      await waitUntil(
        async () => {
          const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
          client.on("error", () => {});
          try {
            await client.connect();
            const { rows } = await client.query<{ sync: string }>("SELECT count(*)::text AS sync FROM pg_stat_replication WHERE sync_state = 'sync'");
            return rows[0]?.sync === "1";
          } catch {
            return false;
          } finally {
            await client.end().catch(() => {});
          }
        },
        timeoutMs,
        "the cluster never had a primary with a synchronous standby",
      );
      return Date.now() - started;
    },
    maintenance: async (on) => {
      const answer = await fetch(`http://127.0.0.1:${nodes[0]?.restPort}/config`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ pause: on }),
        signal: AbortSignal.timeout(5_000),
      });
      if (!answer.ok) throw new Error(`Patroni refused maintenance mode ${on ? "on" : "off"}: ${answer.status}`);
      await waitUntil(
        async () => {
          for (const node of nodes) {
            const state = await fetch(`http://127.0.0.1:${node.restPort}/patroni`, { signal: AbortSignal.timeout(1_000) })
              .then((r) => r.json() as Promise<{ pause?: boolean }>)
              .catch(() => null);
            if (state === null || (state.pause === true) !== on) return false;
          }
          return true;
        },
        15_000,
        `Patroni never ${on ? "entered" : "left"} maintenance mode`,
      );
    },
    postmasterPid: (node) => Number(readFileSync(join(dir, node.name, "data", "postmaster.pid"), "utf8").split("\n")[0]),
    logs: () =>
      [join(dir, "etcd.log"), join(dir, "haproxy.log"), ...nodes.map((node) => join(dir, node.name, "patroni.log"))]
        .filter((file) => existsSync(file))
        .map((file) => `--- ${file}\n${readFileSync(file, "utf8").split("\n").slice(-40).join("\n")}`)
        .join("\n"),
    stop: async () => {
      // HAProxy first, then the Patroni nodes (each stops its PostgreSQL), then etcd.
      for (const child of [...children].reverse()) await stopChild(child);
      stopPostgres(dir);
      for (const child of children) {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  log(`waiting for a primary with a synchronous standby (${dir})`);
  try {
    await topology.waitHealthy();
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${topology.logs()}`);
  }
  return topology;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(message);
    await sleep(200);
  }
}
