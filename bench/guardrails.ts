// `npm run bench:guardrails`: what the model-call screen (docs/guardrails.md) costs in the caller's process,
// beside what the wrapper did to every request before it (the request's JSON and its SHA-256, the
// `requestDigest`), in the same run. Per call the wrapper screens the prompt before the decision
// (findInValue), rewrites it after (redactForProvider, when the rules redact something), screens the answer
// (screenAnswer) and restores it (restoreDeep). Prompts:
// - `4 KB clean`: a chat conversation of about 4 KB (system prompt, user and assistant turns, a tool result)
//   with nothing to find;
// - `4 KB findings`: the same with an email address, a phone number and a GitHub token in it;
// - `64 KB adversarial`: texts built to make the detectors work: every keyword of every detector followed
//   by long runs of the characters its pattern accepts, near-miss tokens failing at their last character,
//   `@` floods, digit runs parted by separators, the instruction heuristic's words repeated.
// Goals (issue 46): a 4 KB prompt screens in ≤ 1 ms p50; a 64 KB adversarial one in ≤ 20 ms.
// Writes bench/results/guardrails-*.json and bench/GUARDRAILS.md. Needs nothing running.
import { createHash } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { CONTENT_DETECTORS, findInValue, INSTRUCTION_RULES, PlaceholderVault, redactForProvider, screenAnswer } from "@gatehouse/core";
import { log, percentile, recordResults } from "./lib";

const RUNS = Number(process.env.BENCH_RUNS ?? 2_000);
const ADVERSARIAL_RUNS = Number(process.env.BENCH_ADVERSARIAL_RUNS ?? 100);
const round3 = (v: number) => Math.round(v * 1000) / 1000;

function conversation(findings: boolean): { model: string; messages: Array<{ role: string; content: string }> } {
  const contact = findings ? "jane.doe@example.com, +1 (415) 555-2671" : "the account owner on file";
  const token = findings ? "ghp_R7kq2VbX9mWc4LpZs8TnY3dHf6JgA1eQo5Ui" : "the deploy token from the vault";
  const paragraph =
    "The nightly export failed twice this week. The first run timed out after the warehouse rotated its credentials; the second ran out of disk on the worker. Both left partial files in the bucket, which the morning report then read as complete. ";
  return {
    model: "gpt-4o-mini",
    messages: [
      { role: "system", content: `You are the on-call assistant for the data platform team. Answer briefly, cite tickets, never guess. ${paragraph}` },
      { role: "user", content: `Ticket 4512 from ${contact}: ${paragraph.repeat(8)}` },
      { role: "assistant", content: `I looked at ticket 4512. ${paragraph.repeat(2)} Shall I re-run the export with ${token}?` },
      {
        role: "tool",
        content: JSON.stringify({
          ticket: 4512,
          status: "open",
          history: Array.from({ length: 8 }, (_, i) => ({ at: `2026-11-2${i}T03:00:00Z`, event: "export.failed", bytes: 1_048_576 * i })),
        }),
      },
      { role: "user", content: `Yes, and tell ${findings ? "jane.doe@example.com" : "the owner"} when it is done. ${paragraph}` },
    ],
  };
}

/** 64 KB of text that makes every detector's pattern and the instruction heuristic work as hard as they can. */
function adversarial(): { model: string; messages: Array<{ role: string; content: string }> } {
  const parts: string[] = [];
  for (const detector of CONTENT_DETECTORS) for (const keyword of detector.keywords) parts.push(`${keyword}${"A1b2".repeat(12)}-`, `${keyword}=`, `${keyword}_${"x".repeat(30)}`);
  for (const rule of INSTRUCTION_RULES) for (const keyword of rule.keywords) parts.push(`${keyword} ${"the previous ".repeat(4)}`);
  parts.push("@".repeat(500), "a@".repeat(500), `${"1-2 ".repeat(400)}`, "ghp_" + "a".repeat(35) + "!", "4111 1111 1111 111", "x".repeat(2000));
  let text = "";
  for (let i = 0; text.length < 65_536; i += 1) text += `${parts[i % parts.length]} `;
  const size = 16_384;
  return { model: "gpt-4o-mini", messages: Array.from({ length: 4 }, (_, i) => ({ role: i % 2 === 0 ? "user" : "assistant", content: text.slice(i * size, (i + 1) * size) })) };
}

let counter = 0;
const tag = () => (counter++ % 0xffffffff).toString(16).padStart(8, "0");
const rules = { secrets: "redact", personalData: "redact" } as const;
const answerScreen = { secrets: true, personalData: true, instructions: true };

/** What the wrapper did to every request before the screen: the request's JSON and its SHA-256. */
function baseline(request: object): void {
  createHash("sha256").update(JSON.stringify(request)).digest("hex");
}

/** The screen's whole work on one call: prompt found, prompt rewritten, answer screened and restored. */
function screened(request: { messages: unknown }): void {
  baseline(request);
  const found = findInValue({ messages: request.messages }, ["prompt"]);
  const vault = new PlaceholderVault(tag);
  const sent = found.length > 0 ? redactForProvider(request.messages, ["prompt", "messages"], rules, vault).value : request.messages;
  const answer = { choices: [{ index: 0, message: { role: "assistant", content: `Done. I wrote to the owner. ${JSON.stringify(sent).slice(0, 200)}` } }] };
  screenAnswer(answer.choices, ["answer", "choices"], answerScreen);
  vault.restoreDeep(answer);
}

function measure(runs: number, body: () => void): { p50: number; p99: number; max: number } {
  for (let i = 0; i < Math.min(200, runs); i += 1) body();
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    body();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: round3(percentile(times, 50)), p99: round3(percentile(times, 99)), max: round3(times.at(-1) ?? 0) };
}

const date = new Date().toISOString();
const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", node: process.version, date, loadavgAtStart: loadavg().map((v) => Math.round(v * 100) / 100) };
log(`machine: ${JSON.stringify(machine)}`);

const prompts = { "4 KB clean": conversation(false), "4 KB findings": conversation(true), "64 KB adversarial": adversarial() };
const rows = Object.entries(prompts).map(([name, request]) => {
  const runs = name.startsWith("64") ? ADVERSARIAL_RUNS : RUNS;
  const bytes = JSON.stringify(request.messages).length;
  // Alternate the two so that neither gets the warmer machine.
  const before = measure(runs, () => baseline(request));
  const withScreen = measure(runs, () => screened(request));
  const again = measure(runs, () => baseline(request));
  const base = { p50: Math.min(before.p50, again.p50), p99: Math.min(before.p99, again.p99), max: Math.min(before.max, again.max) };
  const goal = name.startsWith("64") ? { p50: 20 } : { p50: 1 };
  const row = {
    prompt: name,
    bytes,
    findings: findInValue({ messages: request.messages }, ["prompt"]).length,
    baselineMs: base,
    screenedMs: withScreen,
    addedP50Ms: round3(withScreen.p50 - base.p50),
    goalMs: goal.p50,
    met: withScreen.p50 <= goal.p50,
  };
  log(JSON.stringify(row));
  return row;
});

recordResults("guardrails", "GUARDRAILS", date, { machine, runs: RUNS, adversarialRuns: ADVERSARIAL_RUNS, rows }, (stamp) =>
  [
    "# Guardrails: what the model-call screen costs in the caller's process",
    "",
    "`npm run bench:guardrails` (`bench/guardrails.ts`): the wrapper's whole screen of one call — the prompt",
    "screened before the decision, rewritten after it, the answer screened and restored — against what the",
    "wrapper did to every request before it (the request's JSON and SHA-256), measured in the same run. No",
    "network: the decision's round trip is `bench/WRAPPERS.md`'s.",
    "",
    `Machine: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadavgAtStart.join(" ")} at start; ${date}.`,
    "",
    "| prompt | bytes of messages | findings | baseline p50 ms | screened p50 ms | p99 ms | max ms | goal p50 ms | met |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ...rows.map(
      (r) =>
        `| ${r.prompt} | ${r.bytes} | ${r.findings} | ${r.baselineMs.p50} | ${r.screenedMs.p50} | ${r.screenedMs.p99} | ${r.screenedMs.max} | ≤ ${r.goalMs} | ${r.met ? "yes" : "no"} |`,
    ),
    "",
    `Raw figures: \`bench/results/guardrails-${stamp}.json\`.`,
    "",
  ].join("\n"),
);
