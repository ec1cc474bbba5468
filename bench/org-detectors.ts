// `npm run bench:org-detectors`: what an org's own content detectors (docs/content-detectors.md, "An org's
// own detectors") add to the screen of a call's metadata, beside the built-in table alone, in the same run.
// 25 detectors (the per-org cap), each an RE2 pattern of the shape orgs write (`(?i)\bacme7-[a-z0-9]{8,32}\b`),
// run by re2js: without keywords (every pattern runs on every string) and with keywords absent from the text
// (the prefilter skips them). Metadata of 4 KiB (prose in a few fields) and a 64 KiB text.
// Prints a table; the recorded numbers are in bench/ORG-DETECTORS.md. Needs nothing running.
import { cpus, loadavg } from "node:os";
import { orgDetectorScan, screenContent, type OrgDetectorScan, type OrgDetectorSpec } from "@gatehouse/core";
import { percentile } from "./lib";

const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const spec = (i: number, keywords: string[]): OrgDetectorSpec => ({
  name: `org_${i}`,
  class: "secrets",
  pattern: `(?i)\\b(?:acme|corp)${i}-[a-z0-9]{8,32}\\b`,
  keywords,
  checksum: null,
});
const SETS: Array<[string, OrgDetectorScan | undefined]> = [
  ["built-in table alone", undefined],
  ["+ 1 org detector, no keywords", orgDetectorScan([spec(0, [])])],
  ["+ 25 org detectors, no keywords", orgDetectorScan(Array.from({ length: 25 }, (_, i) => spec(i, [])))],
  ["+ 25 org detectors, keywords absent", orgDetectorScan(Array.from({ length: 25 }, (_, i) => spec(i, [`acme${i}-`])))],
];

const prose = "The customer wrote in about the delayed order and asked for a refund to the original card. ";
const metadata4k = { ticket: { summary: prose.repeat(10), body: prose.repeat(25) }, notes: [prose.repeat(5), prose.repeat(4)] };
const text64k = { log: prose.repeat(Math.ceil(65_536 / prose.length)).slice(0, 65_536) };

function time(value: unknown, org: OrgDetectorScan | undefined): { p50: number; p99: number } {
  const options = { actions: { secrets: "redact", personalData: "flag" } as const, tag: () => "00000000", ...(org ? { org } : {}) };
  for (let i = 0; i < 5; i += 1) screenContent(value, ["metadata"], options);
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const started = performance.now();
    screenContent(value, ["metadata"], options);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

console.log(
  `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "?"}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}, ${RUNS} runs`,
);
console.log("| screen | 4 KiB metadata p50 / p99 (ms) | 64 KiB text p50 / p99 (ms) |");
console.log("|---|---|---|");
for (const [name, org] of SETS) {
  const small = time(metadata4k, org);
  const large = time(text64k, org);
  console.log(`| ${name} | ${small.p50.toFixed(2)} / ${small.p99.toFixed(2)} | ${large.p50.toFixed(1)} / ${large.p99.toFixed(1)} |`);
}
