// `npm run bench:audit-scale` (issue 47, docs/adr/0042-audit-entries-partitioned-by-month.md): what the audit log's
// everyday reads and writes cost when audit_entries holds 10 M rows across many orgs, beside the same at 100 k, each in a
// private PostgreSQL cluster of its own (its data under DATA_DIR, default /var/tmp, never in the repository; removed
// afterwards unless KEEP=1). Each log is written by the log's own sealing and append statement (log-store.ts), month by
// month into the month partitions, every org round-robin; one "probe" org has the same 1,200 entries in both, so what is
// timed on it is the same work at both sizes. Timed in a fresh process per size, warm (after VACUUM ANALYZE):
//   append         one entry appended to a large org's log (lock, seal, the append statement, commit)
//   proof by seq   an inclusion proof of a random entry at the log's size
//   proof by id    the same, asked by entry id (an id alone names no partition: each partition's key is probed)
//   listing        an org's newest page of 50, and a page from a cursor in the middle of its log
//   export         the probe org's whole log (1,200 entries) as the export's JSON lines, checkpoints included
// Writes bench/AUDIT-SCALE.md and bench/results/audit-scale-<stamp>.json.
// Env: LARGE (10,000,000), SMALL (100,000), ORGS (100), MONTHS (12), DATA_DIR, PG_BIN; KEEP=1 keeps the clusters, and
// REUSE=1 then times them again without filling them again.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { cluster, DEFAULT_PG_BIN, giveToClusterUser, pgBinary, writeClusterFile } from "../scripts/lib/postgres-cluster.ts";
import { decidedEntry, freePort, log, recordResults, root, summarize } from "./lib";

const PROBE_ENTRIES = 1_200;
const BATCH = 1_000;
const ROUNDS = 800;
const WARMUP = 200;

type Summary = ReturnType<typeof summarize>;
interface Measured {
  append: Summary;
  proofBySeq: Summary;
  proofById: Summary;
  bigProofBySeq: Summary;
  listNewest: Summary;
  listMiddle: Summary;
  export: Summary;
  roundTrip: Summary;
}

/** The UTC month `offset` months after this one, at `fraction` of the way through it. */
function inMonth(offset: number, fraction: number): Date {
  const now = new Date();
  const start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1);
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset + 1, 1);
  return new Date(start + Math.floor((end - start) * fraction));
}

/** Child: fills a migrated database with `entries` entries across `orgs` orgs over `months` months. Prints the org ids. */
async function fill(url: string, entries: number, orgs: number, months: number): Promise<void> {
  process.env.DATABASE_URL = url;
  const { migrate } = await import("../packages/db/src/migrate.ts");
  await migrate({ url });
  const dbm = await import("../packages/db/src/index.ts");
  const store = await import("../packages/db/src/audit/log-store.ts");
  await dbm.db().pool.query(`SELECT * FROM gatehouse_audit_partitions_ahead($1::int)`, [months]);
  const ids: string[] = [];
  for (let i = 0; i < orgs; i += 1) {
    const created = await dbm.createOrg({ input: { slug: `scale-${i}`, name: `Scale ${i}`, owner: { email: `scale-${i}@example.test`, name: "Bench" } } });
    ids.push(created.org.id);
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  type Query = import("../packages/db/src/audit/log-store.ts").Query;
  const [probe, ...big] = ids as [string, ...string[]];
  const perBig = Math.ceil((entries - PROBE_ENTRIES) / big.length);
  const started = Date.now();
  let written = 0;
  let n = 0;
  // Two connections append for different orgs at once, so one's sealing overlaps the other's statement.
  const second = new pg.Client({ connectionString: url });
  await second.connect();
  const streams = [client, second].map((c) => ({ c, query: (async (text, values) => (await c.query(text, values)).rows) as Query }));
  for (let month = 1; month <= months; month += 1) {
    const plan: Array<[string, number]> = [[probe, Math.ceil(PROBE_ENTRIES / months)], ...big.map((id): [string, number] => [id, Math.ceil(perBig / months)])];
    await Promise.all(
      streams.map(async (stream, k) => {
        for (const [orgId, count] of plan.filter((_, i) => i % streams.length === k)) {
          for (let done = 0; done < count; done += BATCH) {
            const size = Math.min(BATCH, count - done);
            await stream.c.query("BEGIN");
            const head = await store.lockLogHead(stream.query, orgId);
            const batch = await store.sealBatch(
              orgId,
              head,
              Array.from({ length: size }, () => decidedEntry((n += 1))),
              inMonth(month, (done + size) / (count + 1)),
            );
            const statement = store.appendStatement(orgId, batch);
            await stream.c.query(statement.text, statement.values);
            await stream.c.query("COMMIT");
            written += size;
          }
        }
      }),
    );
    log(`  month ${month}/${months}: ${written.toLocaleString("en")} entries, ${Math.round(written / ((Date.now() - started) / 1000)).toLocaleString("en")}/s`);
  }
  await client.query("VACUUM (ANALYZE) audit_entries");
  await client.query("VACUUM (ANALYZE) merkle_nodes");
  await client.end();
  await second.end();
  await dbm.checkpointAuditLog(probe);
  await dbm.checkpointAuditLog(big[0] as string);
  console.log(JSON.stringify({ probe, big: big[0], written, seconds: (Date.now() - started) / 1000 }));
  await dbm.disconnectDb();
  await dbm.closeSignals();
}

/** Child: times the reads and the append on the filled database. Prints a Measured. */
async function measure(url: string, probe: string, bigOrg: string, months: number): Promise<void> {
  process.env.DATABASE_URL = url;
  const dbm = await import("../packages/db/src/index.ts");
  const store = await import("../packages/db/src/audit/log-store.ts");
  const org = (id: string) => dbm.systemCtx({ id, slug: "bench", name: "bench" }, "bench");
  const sizeOf = async (id: string) => Number((await dbm.db().pool.query<{ size: string }>(`SELECT size FROM audit_log_heads WHERE org_id = $1`, [id])).rows[0]?.size);
  const probeSize = await sizeOf(probe);
  const bigSize = await sizeOf(bigOrg);
  const ids = new Map(
    (await dbm.db().pool.query<{ seq: string; id: string }>(`SELECT seq, id FROM audit_entries WHERE org_id = $1`, [probe])).rows.map((r) => [Number(r.seq), r.id]),
  );
  const times: Record<keyof Measured, number[]> = {
    append: [],
    proofBySeq: [],
    proofById: [],
    bigProofBySeq: [],
    listNewest: [],
    listMiddle: [],
    export: [],
    roundTrip: [],
  };
  const time = async (into: keyof Measured, round: number, call: () => Promise<unknown>) => {
    const start = process.hrtime.bigint();
    await call();
    if (round >= WARMUP) times[into].push(Number(process.hrtime.bigint() - start) / 1e6);
  };
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const query: import("../packages/db/src/audit/log-store.ts").Query = async (text, values) => (await client.query(text, values)).rows;
  let n = 10_000_000_000;
  for (let round = 0; round < ROUNDS; round += 1) {
    const seq = Math.floor(Math.random() * probeSize);
    await time("proofBySeq", round, () => dbm.getAuditProof({ ctx: org(probe), input: { seq, treeSize: probeSize } }));
    await time("proofById", round, () => dbm.getAuditProof({ ctx: org(probe), input: { entryId: ids.get(seq), treeSize: probeSize } }));
    await time("bigProofBySeq", round, () => dbm.getAuditProof({ ctx: org(bigOrg), input: { seq: Math.floor(Math.random() * bigSize), treeSize: bigSize } }));
    await time("listNewest", round, () => dbm.listAuditEntries({ ctx: org(probe), input: {} }));
    await time("listMiddle", round, () => dbm.listAuditEntries({ ctx: org(probe), input: { cursor: String(Math.floor(probeSize / 2)) } }));
    if (round % 8 === 0) {
      await time("export", round / 8 + WARMUP - Math.ceil(WARMUP / 8), async () => {
        const exported = await dbm.exportAuditLog({ ctx: org(probe), input: {} });
        let lines = 0;
        for await (const chunk of exported.chunks) lines += chunk.split("\n").length;
        if (lines < PROBE_ENTRIES) throw new Error(`export had ${lines} lines`);
      });
    }
    // Appended to the large org's log (the probe's stays at its entries, so its export is the same work at both sizes).
    await time("append", round, async () => {
      await client.query("BEGIN");
      const head = await store.lockLogHead(query, bigOrg);
      const batch = await store.sealBatch(bigOrg, head, [decidedEntry((n += 1))], inMonth(months, 0.99));
      const statement = store.appendStatement(bigOrg, batch);
      await client.query(statement.text, statement.values);
      await client.query("COMMIT");
    });
    await time("roundTrip", round, () => dbm.db().pool.query("SELECT $1::int AS round", [round]));
  }
  await client.end();
  const result = Object.fromEntries(Object.entries(times).map(([key, values]) => [key, summarize(values)])) as unknown as Measured;
  console.log(JSON.stringify(result));
  await dbm.disconnectDb();
  await dbm.closeSignals();
}

interface SizeRun {
  entries: number;
  fill: { written: number; seconds: number };
  onDisk: { auditEntriesMb: number; merkleNodesMb: number; partitions: number };
  /** The machine's load average when the timing began, and when it ended. */
  load: { before: number[]; after: number[] };
  /** Timed on a cluster an earlier run filled and kept (REUSE=1). */
  reused: boolean;
  measured: Measured;
}

async function runSize(entries: number, orgs: number, months: number, dataDir: string, bin: string): Promise<SizeRun> {
  const dir = join(dataDir, `gatehouse-audit-scale-${entries}`);
  const marker = join(dir, "filled.json");
  // REUSE=1 times a cluster an earlier run filled and kept (KEEP=1) again, without filling it again.
  const reuse = process.env.REUSE === "1" && existsSync(marker);
  const port = await freePort();
  const server = cluster({ name: `scale-${entries}`, bin, data: join(dir, "data"), port, logFile: join(dir, "server.log") });
  // The same settings at both sizes: a cache of a sixth of this machine's memory. Filling skips durability (the data is
  // generated, and a crash would only mean starting again); what is timed runs with durable commits, after a restart.
  const settings = (durable: boolean) =>
    writeClusterFile(
      join(server.data, "postgresql.auto.conf"),
      [
        `port = ${port}`,
        "listen_addresses = '127.0.0.1'",
        "shared_buffers = '4GB'",
        "max_wal_size = '16GB'",
        "checkpoint_timeout = '30min'",
        ...(durable
          ? ["autovacuum = on"]
          : ["fsync = off", "synchronous_commit = off", "full_page_writes = off", "wal_level = minimal", "max_wal_senders = 0", "autovacuum = off"]),
        "",
      ].join("\n"),
    );
  const url = server.url.replace(/\/postgres$/, "/gatehouse");
  const here = fileURLToPath(import.meta.url);
  const child = (args: string[]) =>
    JSON.parse(
      execFileSync(process.execPath, ["--import", "tsx", "--conditions=@gatehouse/source", here, ...args], {
        cwd: root,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: "warn" },
      })
        .trim()
        .split("\n")
        .at(-1) as string,
    ) as Record<string, unknown>;
  try {
    if (!reuse) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      giveToClusterUser(dir);
      await pgBinary(bin, "initdb", ["-D", server.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
      settings(false);
      await server.start();
      await server.query("CREATE DATABASE gatehouse");
      log(`${entries.toLocaleString("en")} entries: filling (${orgs} orgs, ${months} months) in ${dir}`);
      const filled = child(["fill", url, String(entries), String(orgs), String(months)]);
      const stats = new pg.Client({ connectionString: url });
      await stats.connect();
      const [disk] = (
        await stats.query<{ audit: string; merkle: string; parts: string }>(
          `SELECT (SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'audit_entries'::regclass)::text AS audit,
                  pg_total_relation_size('merkle_nodes')::text AS merkle,
                  (SELECT count(*) FROM pg_inherits WHERE inhparent = 'audit_entries'::regclass)::text AS parts`,
        )
      ).rows;
      await stats.end();
      await server.query("CHECKPOINT");
      writeFileSync(marker, JSON.stringify({ filled, disk }));
      await server.stop();
    }
    const { filled, disk } = JSON.parse(readFileSync(marker, "utf8")) as {
      filled: { probe: string; big: string; written: number; seconds: number };
      disk: { audit: string; merkle: string; parts: string };
    };
    settings(true);
    await server.start();
    log(`${entries.toLocaleString("en")} entries: measuring${reuse ? " (a kept cluster)" : ""}`);
    const before = loadavg();
    const measured = child(["measure", url, filled.probe, filled.big, String(months)]) as unknown as Measured;
    const load = { before, after: loadavg() };
    return {
      entries,
      fill: { written: filled.written, seconds: Math.round(filled.seconds) },
      onDisk: { auditEntriesMb: Math.round(Number(disk.audit) / 1e6), merkleNodesMb: Math.round(Number(disk.merkle) / 1e6), partitions: Number(disk.parts) },
      load,
      reused: reuse,
      measured,
    };
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${server.logTail()}`);
  } finally {
    await server.stop();
    if (process.env.KEEP !== "1") rmSync(dir, { recursive: true, force: true });
  }
}

const ROWS: Array<[keyof Measured, string]> = [
  ["append", "append one entry to a large org's log (lock, seal, append, commit)"],
  ["proofBySeq", "inclusion proof by seq (probe org)"],
  ["proofById", "inclusion proof by entry id (probe org)"],
  ["bigProofBySeq", "inclusion proof by seq (a large org's log)"],
  ["listNewest", "an org's newest page of 50"],
  ["listMiddle", "a page of 50 from a cursor mid-log"],
  ["export", "export of the probe org's 1,200 entries"],
  ["roundTrip", "floor: one trivial query"],
];

async function main(): Promise<void> {
  const [mode, ...args] = process.argv.slice(2);
  if (mode === "fill") return fill(args[0] as string, Number(args[1]), Number(args[2]), Number(args[3]));
  if (mode === "measure") return measure(args[0] as string, args[1] as string, args[2] as string, Number(args[3]));
  const small = Number(process.env.SMALL ?? 100_000);
  const large = Number(process.env.LARGE ?? 10_000_000);
  const orgs = Number(process.env.ORGS ?? 100);
  const months = Number(process.env.MONTHS ?? 12);
  const dataDir = process.env.DATA_DIR ?? "/var/tmp";
  const bin = process.env.PG_BIN ?? DEFAULT_PG_BIN;
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", node: process.version, date: new Date().toISOString(), loadavgAtStart: loadavg() };
  const runs = [await runSize(small, orgs, months, dataDir, bin), await runSize(large, orgs, months, dataDir, bin)];
  const [a, b] = runs as [SizeRun, SizeRun];
  const ms = (v: number) => v.toFixed(2);
  const page = (stamp: string) => `# The audit log at 10 M entries, beside 100 k (issue 47)

\`npm run bench:audit-scale\` — two private PostgreSQL 15 clusters (shared_buffers 4 GB, durable commits), one per size,
each filled by the log's own sealing and append statement: ${orgs} orgs, round-robin, month by month into ${months} month
partitions of \`audit_entries\` (docs/adr/0042-audit-entries-partitioned-by-month.md). One "probe" org has the same
${PROBE_ENTRIES.toLocaleString("en")} entries at both sizes; the others share the rest. Timed warm, after VACUUM ANALYZE, in a fresh
process: ${ROUNDS - WARMUP} rounds after ${WARMUP} of warm-up (the export every eighth round). The data lives under DATA_DIR
(default /var/tmp), never in the repository, and is removed afterwards${a.reused || b.reused ? " (this time it was timed on the clusters an earlier run filled and kept: `KEEP=1`, then `REUSE=1`; the fill figures are that run's)" : ""}. Machine: ${machine.cpus} cores (${machine.cpuModel}),
Node ${machine.node}, load ${machine.loadavgAtStart.map((v) => v.toFixed(2)).join(" ")} at start. Results:
\`bench/results/audit-scale-${stamp}.json\`.

| | ${a.entries.toLocaleString("en")} entries | ${b.entries.toLocaleString("en")} entries |
|---|---|---|
| filled in | ${a.fill.seconds} s | ${b.fill.seconds} s |
| audit_entries on disk (all partitions, with indexes) | ${a.onDisk.auditEntriesMb} MB | ${b.onDisk.auditEntriesMb} MB |
| merkle_nodes on disk | ${a.onDisk.merkleNodesMb} MB | ${b.onDisk.merkleNodesMb} MB |
| partitions | ${a.onDisk.partitions} | ${b.onDisk.partitions} |
| load average while timed (before → after) | ${a.load.before[0]?.toFixed(2)} → ${a.load.after[0]?.toFixed(2)} | ${b.load.before[0]?.toFixed(2)} → ${b.load.after[0]?.toFixed(2)} |

Latency in ms:

| operation | ${a.entries.toLocaleString("en")}: p50 | p99 | ${b.entries.toLocaleString("en")}: p50 | p99 | p50 ratio |
|---|---|---|---|---|---|
${ROWS.map(([key, label]) => `| ${label} | ${ms(a.measured[key].p50)} | ${ms(a.measured[key].p99)} | ${ms(b.measured[key].p50)} | ${ms(b.measured[key].p99)} | ${(b.measured[key].p50 / a.measured[key].p50).toFixed(2)} |`).join("\n")}
`;
  recordResults("audit-scale", "AUDIT-SCALE", machine.date, { machine, orgs, months, runs }, page);
}

await main();
