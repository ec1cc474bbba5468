/**
 * `gatehouse policies test <file>` (offline: the file's tests run with core's decision engine, the one
 * the server decides with) and `gatehouse policies simulate <file>` (the server replays the file's
 * policies against the org's recent decisions).
 */
import { DomainError, parsePolicySetWithTests, runPolicyTests, type FieldIssue, type PolicyTestRun } from "@gatehouse/core";
import type { PolicyDocument, PolicySimulation } from "@gatehouse/sdk";
import { EXIT_FAILURE, EXIT_OK, shortTime, table, UsageError } from "./cli-common.ts";
import type { PolicyFile } from "./policy-file.ts";

export const POLICIES_TEST_HELP = `Usage: gatehouse policies test <file> [--json]

Runs the tests in <file> against its policies, on this machine (no key, no network), with the same
decision engine the server uses. A test is a sample request and the decision it must get:

  tests:
    - name: merges need a review
      request: { actionType: pr.merge, agent: ci-bot, metadata: { repo: api } }
      expect: { effect: require_approval, policy: review-merges }

(expect.policy: null means no policy may apply; left out, any policy may decide.) Rate conditions
see only the call itself. The server runs the same tests when the set is applied, and refuses it
when one fails.

Options:
  --json    Print the run as JSON

Exit status: 0 every test passed, 1 a test failed or the file is not a valid set, 2 the command
line was wrong.
`;

export const POLICIES_SIMULATE_HELP = `Usage: gatehouse policies simulate <file> [--days <n>] [--json]

Replays the policies in <file> against the org's recorded decisions of the last <n> days (1 to 30,
default 7) on the server, and prints what would change: counts by transition (allow → deny, …), the
action types and agents most affected, and sample decisions. Nothing is applied.

Replay cannot know everything: rate conditions see only the call itself, agents' names, labels and
delegation chains are today's, and decisions made before policy (a halted agent, an open circuit,
a refused delegation) are skipped and counted as such.

Options:
  --days <n>   How many days back, 1 to 30 (default 7)
  --json       Print the answer as JSON
`;

export interface PolicyFileIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Issues against the file: each path with its line when the file says. */
export function formatIssues(file: string, policyFile: PolicyFile, issues: readonly FieldIssue[], heading: string): string {
  const lines = issues.map((issue) => {
    const line = policyFile.lineOf(issue.path);
    return `  ${issue.path || "(file)"}${line === undefined ? "" : ` (${file}:${line})`}: ${issue.message}`;
  });
  const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
  return `error: ${file} ${heading}, ${count}:\n${lines.join("\n")}\n`;
}

/** `policies test`: parse the set and its tests with core, run them, print each failure's expected and actual decision. */
export function testPolicyFile(io: PolicyFileIo, file: string, policyFile: PolicyFile, json: boolean): number {
  let parsed: ReturnType<typeof parsePolicySetWithTests>;
  try {
    parsed = parsePolicySetWithTests({ policies: policyFile.policies, ...(policyFile.tests === undefined ? {} : { tests: policyFile.tests }) });
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== "VALIDATION") throw error;
    const issues = (error.details as { issues?: FieldIssue[] } | undefined)?.issues ?? [];
    io.stderr(formatIssues(file, policyFile, issues, "is not a valid policy set"));
    return EXIT_FAILURE;
  }
  const run = runPolicyTests(parsed.documents, parsed.tests);
  io.stdout(json ? `${JSON.stringify(run, null, 2)}\n` : formatTestRun(file, policyFile, run));
  return run.failed === 0 ? EXIT_OK : EXIT_FAILURE;
}

const decisionText = (d: { effect: string; policy?: string | null | undefined }, any = false): string =>
  `${d.effect}${d.policy === undefined ? (any ? " (any policy)" : "") : d.policy === null ? " by no policy" : ` by ${d.policy}`}`;

/** `✓ name` per passed test, `✗ name (file:line)` with expected/actual per failure, then the counts. */
export function formatTestRun(file: string, policyFile: PolicyFile, run: PolicyTestRun): string {
  if (run.results.length === 0) return `No tests in ${file}: add a tests: list (see gatehouse policies test --help).\n`;
  const lines: string[] = [];
  run.results.forEach((result, i) => {
    if (result.passed) {
      lines.push(`  ok    ${result.name}`);
      return;
    }
    const line = policyFile.lineOf(`tests[${i}]`);
    lines.push(`  FAIL  ${result.name}${line === undefined ? "" : ` (${file}:${line})`}`);
    lines.push(`        expected: ${decisionText(result.expected, true)}`);
    lines.push(`        actual:   ${decisionText(result.actual)}${result.actual.reason ? ` (${result.actual.reason})` : ""}`);
  });
  lines.push("", `${run.passed} passed, ${run.failed} failed.`);
  return `${lines.join("\n")}\n`;
}

/** `--days`: an integer 1..30 (the server checks again). */
export function parseDays(value: string | true | undefined): number | undefined {
  if (value === undefined) return undefined;
  const days = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(days) || days < 1 || days > 30) throw new UsageError(`--days must be a whole number from 1 to 30, not "${String(value)}"`);
  return days;
}

export async function simulatePolicyFile(
  io: PolicyFileIo & { simulate: (policies: PolicyDocument[], options: { days?: number }) => Promise<PolicySimulation> },
  policyFile: PolicyFile,
  days: number | undefined,
  json: boolean,
): Promise<number> {
  const simulation = await io.simulate(policyFile.policies as PolicyDocument[], days === undefined ? {} : { days });
  io.stdout(json ? `${JSON.stringify(simulation, null, 2)}\n` : formatSimulation(simulation));
  return EXIT_OK;
}

const arrow = (t: { from: string; to: string }) => `${t.from} → ${t.to}`;
const TOP = 10;

/** The replay as a person reads it: the window and counts, then transitions, top action types and agents, samples. */
export function formatSimulation(s: PolicySimulation): string {
  const lines = [
    `Replayed ${s.evaluated} decisions of the last ${s.days} day${s.days === 1 ? "" : "s"} (${shortTime(s.from)} to ${shortTime(s.to)})${s.truncated ? ", the most recent only (truncated)" : ""}.`,
    `${s.changed} would change${s.skipped > 0 ? `; ${s.skipped} decided before policy (halted agent, open circuit, delegation, …) were skipped` : ""}.`,
  ];
  if (s.changed === 0) return `${lines.join("\n")}\n`;
  lines.push(
    "",
    table(
      ["TRANSITION", "COUNT"],
      s.transitions.map((t) => [arrow(t), String(t.count)]),
    ).trimEnd(),
  );
  lines.push(
    "",
    "Top action types:",
    table(
      ["ACTION TYPE", "TRANSITION", "COUNT"],
      s.byActionType.slice(0, TOP).map((r) => [r.actionType, arrow(r), String(r.count)]),
    ).trimEnd(),
  );
  lines.push(
    "",
    "Top agents:",
    table(
      ["AGENT", "TRANSITION", "COUNT"],
      s.byAgent.slice(0, TOP).map((r) => [r.agentName, arrow(r), String(r.count)]),
    ).trimEnd(),
  );
  lines.push(
    "",
    "Samples:",
    table(
      ["WHEN", "AGENT", "ACTION TYPE", "TRANSITION", "POLICY BEFORE → AFTER", "ACTION"],
      s.samples.map((x) => [shortTime(x.at), x.agentName, x.actionType, arrow(x), `${x.policyBefore ?? "-"} → ${x.policyAfter ?? "-"}`, x.actionId]),
    ).trimEnd(),
  );
  return `${lines.join("\n")}\n`;
}
