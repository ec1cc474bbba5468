// `npm run bench:erasure`: offline verification of an export bundle with erased fields beside the same
// bundle with every value present, and beside a bundle of the first format (docs/adr/0023-erasure.md).
// ENTRIES decision entries (BENCH_ENTRIES, 200,000), a checkpoint every 10,000; each verified RUNS times
// with tlog's sequential verifier and its parallel one (what `gatehouse verify` runs), in memory.
// Goal: a bundle with erased fields verifies at ≥ 0.9× the speed of one without. Writes
// bench/results/erasure-*.json and bench/ERASURE.md. Needs nothing but the machine.
import { createHash } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { Readable } from "node:stream";
import { fieldDigestInput, formatCheckpoint, generateSigner, hashLeaf, signNote, toHex, TreeBuilder, verifyBundle, verifyBundleParallel } from "@gatehouse/tlog";
import { log, recordResults } from "./lib";

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 200_000);
const RUNS = 5;
const ORIGIN = "gatehouse/org_benchmarkerasure";
const { signer, vkey } = generateSigner(ORIGIN);
const round2 = (v: number) => Math.round(v * 100) / 100;
const sha = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

type Kind = "first format" | "second format, values present" | "second format, values erased";

/** A decision entry as the server seals it: actor, agent, policy, status; in the second format its metadata, data accessed and conditions beside it. */
function bundle(kind: Kind): string {
  const tree = new TreeBuilder();
  const lines: string[] = [JSON.stringify({ type: "key", vkey })];
  for (let seq = 0; seq < ENTRIES; seq += 1) {
    const metadata = JSON.stringify({ pr: seq, repo: "web", title: `Fix the export button (${seq})`, to: `customer${seq}@example.com` });
    const dataAccessed = '[{"sensitivity":"internal","type":"tickets"}]';
    const conditions = `[{"actual":${seq},"expected":50,"field":"metadata.pr","operator":"gt","policy":"large-prs","result":false}]`;
    const base = `"actor":{"delegationChain":[],"id":"agt_benchagentbenchagentbe","type":"agent"},"agentId":"agt_benchagentbenchagentbe"`;
    const decided = `"actionId":"act_${String(seq).padStart(22, "0")}","actionType":"pr.merge","agentName":"bench","mode":"enforce","monitored":[],"policy":{"name":"allow-pr","version":1,"versionId":"pv_bench"},"requestHash":"${"ab".repeat(32)}","status":"executed"`;
    let canonical: string;
    let extra = "";
    if (kind === "first format") {
      canonical = `{${base},"data":{${decided.replace('"agentName"', `"agentName"`)},"conditionsEvaluated":${conditions},"dataAccessed":${dataAccessed},"metadata":${metadata}},"id":"aud_${seq}","orgId":"org_bench","seq":${seq},"subjectId":"act_${seq}","time":"2026-11-23T00:00:00.000Z","type":"action.decided","v":1}`;
    } else {
      const fields = {
        metadata: { canonical: metadata, salt: `${seq}`.padStart(32, "0") },
        dataAccessed: { canonical: dataAccessed, salt: "1".repeat(32) },
        conditionsEvaluated: { canonical: conditions, salt: "2".repeat(32) },
      };
      const sealed = Object.fromEntries(Object.entries(fields).map(([name, f]) => [name, sha(fieldDigestInput(name, f.salt, f.canonical))]));
      canonical = `{${base},"data":{${decided}},"id":"aud_${seq}","orgId":"org_bench","sealed":${JSON.stringify(sealed)},"seq":${seq},"subjectId":"act_${seq}","time":"2026-11-23T00:00:00.000Z","type":"action.decided","v":2}`;
      extra =
        kind === "second format, values present"
          ? `,"fields":${JSON.stringify(fields)}`
          : `,"erased":${JSON.stringify({ metadata: { seq: ENTRIES + 1 }, dataAccessed: { seq: ENTRIES + 1 }, conditionsEvaluated: { seq: ENTRIES + 1 } })}`;
    }
    const leaf = hashLeaf(canonical);
    tree.push(leaf);
    lines.push(`{"type":"entry","seq":${seq},"canonical":${JSON.stringify(canonical)},"leafHash":"${toHex(leaf)}"${extra}}`);
    if ((seq + 1) % 10_000 === 0 || seq === ENTRIES - 1)
      lines.push(JSON.stringify({ type: "checkpoint", note: signNote(formatCheckpoint(ORIGIN, seq + 1, tree.root()), [signer]) }));
  }
  return `${lines.join("\n")}\n`;
}

async function time(run: () => Promise<{ valid: boolean; problem: string | null }>): Promise<number[]> {
  const seconds: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const started = performance.now();
    const report = await run();
    if (!report.valid) throw new Error(`bundle did not verify: ${report.problem}`);
    seconds.push((performance.now() - started) / 1000);
  }
  return seconds.sort((a, b) => a - b);
}

const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", node: process.version, date: new Date().toISOString(), loadavgAtStart: loadavg().map(round2) };
const kinds: Kind[] = ["first format", "second format, values present", "second format, values erased"];
const rows: Record<string, { megabytes: number; sequential: { median: number; min: number }; parallel: { median: number; min: number }; entriesPerSecondParallel: number }> = {};
for (const kind of kinds) {
  log(`building: ${kind}`);
  const text = bundle(kind);
  const buffer = Buffer.from(text);
  const sequential = await time(() => verifyBundle(text, { keys: [vkey] }));
  const parallel = await time(() => verifyBundleParallel(Readable.from([buffer]), { keys: [vkey] }));
  const median = (s: number[]) => round2(s[Math.floor(s.length / 2)] as number);
  rows[kind] = {
    megabytes: round2(buffer.length / 1e6),
    sequential: { median: median(sequential), min: round2(sequential[0] as number) },
    parallel: { median: median(parallel), min: round2(parallel[0] as number) },
    entriesPerSecondParallel: Math.round(ENTRIES / median(parallel)),
  };
  log(`${kind}: ${JSON.stringify(rows[kind])}`);
}
const speed = (kind: Kind, mode: "sequential" | "parallel") => (rows["second format, values present"]?.[mode].median ?? Number.NaN) / (rows[kind]?.[mode].median ?? Number.NaN);
const results = {
  machine: { ...machine, loadavgAtEnd: loadavg().map(round2) },
  settings: { ENTRIES, RUNS, checkpointEvery: 10_000 },
  rows,
  erasedSpeedVsPresent: { sequential: round2(speed("second format, values erased", "sequential")), parallel: round2(speed("second format, values erased", "parallel")) },
  goal: { minSpeedRatio: 0.9 },
};
recordResults("erasure", "ERASURE", machine.date, results, (stamp) => {
  const row = (kind: Kind) => {
    const r = rows[kind];
    return `| ${kind} | ${r?.megabytes} | ${r?.sequential.median} (min ${r?.sequential.min}) | ${r?.parallel.median} (min ${r?.parallel.min}) | ${r?.entriesPerSecondParallel.toLocaleString("en")} |`;
  };
  const ratio = results.erasedSpeedVsPresent;
  return `# Verifying a bundle with erased fields (issue 27)

\`npm run bench:erasure\` — ${ENTRIES.toLocaleString("en")} decision entries, a signed checkpoint every 10,000, built in memory; each bundle verified
${RUNS} times with tlog's sequential verifier and its parallel one (what \`gatehouse verify\` runs). Machine: ${machine.cpus} cores (${machine.cpuModel}),
${machine.node}, load ${machine.loadavgAtStart.join(" ")} at start, ${results.machine.loadavgAtEnd.join(" ")} at end. Results: \`bench/results/erasure-${stamp}.json\`.
Goal: a bundle with erased fields verifies at ≥ 0.9× the speed of the same bundle with every value present.

| bundle | MB | sequential s, median | parallel s, median | entries/s (parallel) |
|---|---|---|---|---|
${row("first format")}
${row("second format, values present")}
${row("second format, values erased")}

Speed of the bundle with erased fields against the same with every value present: sequential ${ratio.sequential}×, parallel
${ratio.parallel}× (goal ≥ 0.9×: ${ratio.sequential >= 0.9 && ratio.parallel >= 0.9 ? "met" : "**missed**"}). The second format costs a parse of each entry's
canonical text and a SHA-256 per present field; an erased field costs neither digest.
`;
});
