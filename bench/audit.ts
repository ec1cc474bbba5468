// `npx tsx bench/audit.ts` (part of `npm run bench`): the audit log's targets, with sha256sum as the
// baseline measured in the same run on the same file. Writes bench/AUDIT.md and
// bench/results/audit-<timestamp>.json. ENTRIES (default 1,000,000) sets the log size.
import { spawnSync } from "node:child_process";
import { createWriteStream, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { benchDatabase, decidedEntry, log, root, summarize } from "./lib";

const ENTRIES = Number(process.env.ENTRIES ?? 1_000_000);
const SUSTAIN_SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const BATCH = 256;

function rssMb(): number {
  return Math.round(process.memoryUsage().rss / 1e6);
}

function timed(command: string, args: string[]): { seconds: number; stdout: string; status: number | null } {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, stdout: result.stdout + result.stderr, status: result.status };
}

async function main(): Promise<void> {
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", node: process.version, date: new Date().toISOString() };
  const database = await benchDatabase();
  process.env.DATABASE_URL = database.url;
  const dbm = await import("@gatehouse/db");
  const out = join(tmpdir(), `gatehouse-audit-bench-${process.pid}.jsonl`);
  try {
    const created = await dbm.createOrg({
      input: { slug: `audit-bench-${Date.now()}`, name: "Audit bench", owner: { email: `audit-bench-${Date.now()}@example.test`, name: "Bench" } },
    });
    const ctx = dbm.systemCtx(created.org, "bench");
    const orgId = created.org.id;
    const append = (from: number, n: number) =>
      dbm.db().$transaction((tx) =>
        dbm.appendAuditEntries(
          tx,
          orgId,
          Array.from({ length: n }, (_, k) => decidedEntry(from + k)),
        ),
      );

    log(`sustained appends for ${SUSTAIN_SECONDS} s, ${BATCH} entries per transaction (the group-commit batch), nodes stored`);
    let appended = 0;
    const sustainStart = Date.now();
    while (Date.now() - sustainStart < SUSTAIN_SECONDS * 1000) {
      await append(appended, BATCH);
      appended += BATCH;
    }
    const appendsPerSecond = Math.round(appended / ((Date.now() - sustainStart) / 1000));
    const nodesRow = await dbm.db().pool.query<{ n: string }>(`SELECT count(*) AS n FROM merkle_nodes WHERE org_id = $1`, [orgId]);

    log(`filling the log to ${ENTRIES.toLocaleString("en")} entries`);
    const fillStart = Date.now();
    while (appended < ENTRIES) {
      const n = Math.min(2_000, ENTRIES - appended);
      await append(appended, n);
      appended += n;
      if (appended % 100_000 < n) await dbm.checkpointAuditLog(orgId);
    }
    const fillSeconds = (Date.now() - fillStart) / 1000;
    const checkpoint = await dbm.checkpointAuditLog(orgId);
    const size = checkpoint.treeSize;

    // What autovacuum does to a table that just took a million rows; proofs then read settled pages.
    await dbm.db().pool.query("VACUUM ANALYZE audit_entries, merkle_nodes, checkpoints");
    log(`inclusion proofs at ${size.toLocaleString("en")} entries`);
    const proofRun = spawnSync(process.execPath, ["--import", "tsx", "bench/audit-proofs.ts", orgId, String(size), checkpoint.rootHash], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: database.url },
      encoding: "utf8",
    });
    if (proofRun.status !== 0) throw new Error(`proof timing failed: ${proofRun.stderr}`);
    const proofSummary = JSON.parse(proofRun.stdout.trim().split("\n").pop() as string) as Results["inclusionProofMs"];

    log("export to a file");
    const rssBefore = rssMb();
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(rssMb()), 50);
    const exportStart = process.hrtime.bigint();
    const bundle = await dbm.exportAuditLog({ ctx, input: {} });
    const file = createWriteStream(out);
    for await (const chunk of bundle.chunks) if (!file.write(chunk)) await new Promise<void>((r) => file.once("drain", () => r()));
    await new Promise<void>((r) => file.end(() => r()));
    const exportSeconds = Number(process.hrtime.bigint() - exportStart) / 1e9;
    clearInterval(sampler);
    const bytes = statSync(out).size;
    const rssPeak = Math.max(rssBefore, ...samples);
    // Flat memory: RSS at each quarter of the export stays where the first quarter put it.
    const rssQuarters = [1, 2, 3, 4].map((q) => samples[Math.max(0, Math.ceil((samples.length * q) / 4) - 1)] ?? rssBefore);

    log("sha256sum vs gatehouse verify over the exported bundle");
    const keys = (await dbm.listSigningKeys({ ctx })).map((k) => k.vkey);
    const sha = timed("sha256sum", [out]);
    const verify = timed(process.execPath, ["--conditions=@gatehouse/source", "--import", "tsx", "packages/cli/src/bin.ts", "verify", out, "--key", keys[0] as string]);
    if (verify.status !== 0) throw new Error(`gatehouse verify failed: ${verify.stdout}`);
    const sha2 = timed("sha256sum", [out]);

    log("server-side verification (POST /v1/audit/verify's service)");
    const onlineStart = Date.now();
    const online = await dbm.verifyAuditLog({ ctx });
    const onlineSeconds = (Date.now() - onlineStart) / 1000;

    const results = {
      machine,
      appends: { entriesPerSecond: appendsPerSecond, batch: BATCH, seconds: SUSTAIN_SECONDS, nodesStored: Number(nodesRow.rows[0]?.n ?? 0), fillTo: size, fillSeconds },
      inclusionProofMs: proofSummary,
      export: { bytes, seconds: exportSeconds, mbPerSecond: Math.round(bytes / 1e6 / exportSeconds), rssMbBefore: rssBefore, rssMbPeak: rssPeak, rssMbAtQuarters: rssQuarters },
      verify: {
        entries: size,
        sha256sumSeconds: Math.min(sha.seconds, sha2.seconds),
        gatehouseVerifySeconds: verify.seconds,
        ratio: Math.round((verify.seconds / Math.min(sha.seconds, sha2.seconds)) * 100) / 100,
        output: verify.stdout.trim().split("\n").at(-1),
      },
      onlineVerify: { valid: online.valid, entries: online.checkedEntries, checkpoints: online.checkedCheckpoints, seconds: onlineSeconds },
    };
    mkdirSync("bench/results", { recursive: true });
    const stamp = machine.date.replace(/[:.]/g, "-");
    writeFileSync(`bench/results/audit-${stamp}.json`, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync("bench/AUDIT.md", summary(results, stamp));
    console.log(JSON.stringify(results, null, 2));
  } finally {
    rmSync(out, { force: true });
    await dbm.disconnectDb();
    await dbm.closeSignals();
    await database.drop();
  }
}

type Results = {
  machine: unknown;
  appends: { entriesPerSecond: number; batch: number; seconds: number; nodesStored: number; fillTo: number; fillSeconds: number };
  inclusionProofMs: Record<"bySeq" | "byId" | "roundTrip", ReturnType<typeof summarize>>;
  export: { bytes: number; seconds: number; mbPerSecond: number; rssMbBefore: number; rssMbPeak: number; rssMbAtQuarters: number[] };
  verify: { entries: number; sha256sumSeconds: number; gatehouseVerifySeconds: number; ratio: number; output: string | undefined };
  onlineVerify: { valid: boolean; entries: number; checkpoints: number; seconds: number };
};

function mark(ok: boolean): string {
  return ok ? "met" : "**not met**";
}

function summary(r: Results, stamp: string): string {
  const a = r.appends;
  const p = r.inclusionProofMs;
  const e = r.export;
  const v = r.verify;
  return `# Audit log benchmark

Latest run: \`npx tsx bench/audit.ts\` (also in \`npm run bench\`), ${stamp}; raw numbers in \`bench/results/audit-${stamp}.json\`.
Machine: ${JSON.stringify(r.machine)}. PostgreSQL and the benchmark share the same cores.

| what | result | target | |
|---|---|---|---|
| appends with Merkle nodes stored, one org, ${a.batch} entries per transaction, ${a.seconds} s sustained | ${a.entriesPerSecond.toLocaleString("en")} entries/s (${a.nodesStored.toLocaleString("en")} nodes stored) | ≥ 5,000/s | ${mark(a.entriesPerSecond >= 5000)} |
| inclusion proof at ${a.fillTo.toLocaleString("en")} entries, server side (the service call, one query, in a fresh process), 1,000 random leaves by seq | p50 ${p.bySeq.p50} ms, p99 ${p.bySeq.p99} ms, max ${p.bySeq.max} ms | ≤ 5 ms | ${mark(p.bySeq.p99 <= 5)} |
| the same leaves by entry id | p50 ${p.byId.p50} ms, p99 ${p.byId.p99} ms, max ${p.byId.max} ms | ≤ 5 ms | ${mark(p.byId.p99 <= 5)} |
| baseline: one trivial round trip (\`SELECT $1\`) on the same pool, same rounds | p50 ${p.roundTrip.p50} ms, p99 ${p.roundTrip.p99} ms, max ${p.roundTrip.max} ms | — | |
| export of the whole log (${(e.bytes / 1e6).toFixed(0)} MB JSON Lines) | ${e.mbPerSecond} MB/s; RSS ${e.rssMbBefore} MB before, ${e.rssMbAtQuarters.join(" / ")} MB at each quarter, ${e.rssMbPeak} MB peak | ≥ 50 MB/s, flat memory | ${mark(e.mbPerSecond >= 50)} |
| \`gatehouse verify\` of that bundle (every leaf, tree, ${v.entries.toLocaleString("en")} entries, all signatures) vs \`sha256sum\` of the same file | ${v.gatehouseVerifySeconds.toFixed(2)} s vs ${v.sha256sumSeconds.toFixed(2)} s: ${v.ratio}× | ≤ 3× | ${mark(v.ratio <= 3)} |
| server-side verify (\`POST /v1/audit/verify\`), same log | ${r.onlineVerify.seconds.toFixed(1)} s for ${r.onlineVerify.entries.toLocaleString("en")} entries and ${r.onlineVerify.checkpoints} checkpoints, valid: ${r.onlineVerify.valid} | — | |

Filling the log to ${a.fillTo.toLocaleString("en")} entries (2,000 per transaction) took ${a.fillSeconds.toFixed(0)} s; the proofs are
measured after \`VACUUM ANALYZE\` (what autovacuum does to a table that just took a million rows).
\`gatehouse verify\`'s time includes starting Node and the TypeScript loader; sha256sum is the faster of two runs.
The CLI printed: \`${v.output}\`.
`;
}

await main();
