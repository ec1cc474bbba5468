/**
 * `gatehouse policies …`: `apply` and `export` (a policy file, with an admin key), `test <file>`
 * (offline: the file's tests run with core's decision engine, the one the server decides with),
 * `simulate <file>` (the server replays the file's policies against the org's recent decisions), and
 * the group's other commands from their own modules.
 */
import { DomainError, parsePolicySetWithTests, runPolicyTests, type FieldIssue, type PolicyTestRun } from "@gatehouse/core";
import { BadRequestError, type PolicyDocument, type PolicySetDiff, type PolicySimulation, type PolicyTestCaseInput } from "@gatehouse/sdk";
import { CONNECTION_OPTIONS, EXIT_FAILURE, EXIT_OK, noMore, printJson, shortTime, table, UsageError } from "./cli-common.ts";
import { libraryCommand, libraryShowCommand } from "./cli-policy-library.ts";
import { monitorCommand } from "./cli-policy-monitor.ts";
import { versionsCommand } from "./cli-policy-versions.ts";
import {
  actualText,
  decisionText,
  FAIL_ON,
  failsOn,
  junitOfInvalidSet,
  junitOfSimulation,
  junitOfTestRun,
  REPORT_FORMATS,
  sarifOfInvalidSet,
  sarifOfSimulation,
  sarifOfTestRun,
  sarifText,
  type FailOn,
  type FileIssue,
  type ReportFormat,
} from "./ci-report.ts";
import { defineCommand, type CliIo, type CommandGroup } from "./command.ts";
import { formatPolicyFile, PolicyFileError, readPolicyFile, type PolicyFile } from "./policy-file.ts";

const POLICIES_TEST_HELP = `Usage: gatehouse policies test <file> [--format text|json|junit|sarif]

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
  --format <format>  text (default); json (the run as JSON; --json says the same); junit (JUnit XML,
                     a test case per test); sarif (SARIF 2.1.0, an error per failing test or problem
                     with the file, at its line). junit and sarif describe a file that is not a valid
                     set too, so CI shows why.

Exit status: 0 every test passed, 1 a test failed or the file is not a valid set, 2 the command
line was wrong.

In CI (docs/policies.md, "In CI"):
  gatehouse policies test policies.yaml --format junit > policy-tests.xml
  gatehouse policies test policies.yaml --format sarif > policy-tests.sarif
`;

const POLICIES_SIMULATE_HELP = `Usage: gatehouse policies simulate <file> [--days <n>] [--format text|json|junit|sarif] [--fail-on none|loosen|change]

Replays the policies in <file> against the org's recorded decisions of the last <n> days (1 to 30,
default 7) on the server, and prints what would change: counts by transition (allow → deny, …), the
action types and agents most affected, and sample decisions. Nothing is applied.

Replay cannot know everything: rate conditions see only the call itself, agents' names, labels and
delegation chains are today's, and decisions made before policy (a halted agent, an open circuit,
a refused delegation) are skipped and counted as such.

Options:
  --days <n>         How many days back, 1 to 30 (default 7)
  --format <format>  text (default); json (the answer as JSON; --json says the same); junit (a test
                     case per change by action type); sarif (a result per change by action type, at
                     the policy in the file that would decide it: a warning when decisions would
                     loosen, a note when they would tighten)
  --fail-on <what>   none (default): exit 0 whatever changes; loosen: exit 1 when a recorded decision
                     would become less restrictive (deny → allow, deny → require_approval,
                     require_approval → allow); change: exit 1 when any would change. The failing
                     changes are JUnit failures and SARIF errors.

${CONNECTION_OPTIONS}

Exit status: 0 done (and nothing fails --fail-on), 1 a change fails --fail-on, the file is not a
valid set or the server refused it, 2 the command line was wrong.
`;

/** Issues against the file: each path with its line when the file says. */
export function formatIssues(file: string, policyFile: PolicyFile, issues: readonly FieldIssue[], heading: string, requestId = ""): string {
  const lines = issues.map((issue) => {
    const line = policyFile.lineOf(issue.path);
    return `  ${issue.path || "(file)"}${line === undefined ? "" : ` (${file}:${line})`}: ${issue.message}`;
  });
  const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
  return `error: ${file} ${heading}, ${count}${requestId}:\n${lines.join("\n")}\n`;
}

/** `--format` (or `--json`, which says json): one of REPORT_FORMATS. */
export function reportFormat(options: { format?: string | undefined; json: boolean }): ReportFormat {
  const format = options.format ?? (options.json ? "json" : "text");
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be ${REPORT_FORMATS.join(", ")}, not "${format}"`);
  if (options.json && format !== "json") throw new UsageError(`--json and --format ${format} ask for different output: give one`);
  return format as ReportFormat;
}

/** `--fail-on`: one of FAIL_ON, none unless given. */
export function failOnOption(value: string | undefined): FailOn {
  const failOn = value ?? "none";
  if (!(FAIL_ON as readonly string[]).includes(failOn)) throw new UsageError(`--fail-on must be ${FAIL_ON.join(", ")}, not "${failOn}"`);
  return failOn as FailOn;
}

/**
 * What is wrong with the file (it cannot be read or parsed, a field is wrong, the server refused it) as the report junit
 * and sarif ask for, on stdout beside the message on stderr, so CI shows why the step failed.
 */
function reportProblems(io: CliIo, command: string, file: string, policyFile: PolicyFile | undefined, issues: readonly FileIssue[], format: ReportFormat): void {
  if (format === "junit") io.stdout(junitOfInvalidSet(command, file, policyFile, issues, new Date(io.now()).toISOString()));
  if (format === "sarif") io.stdout(sarifText(sarifOfInvalidSet(file, policyFile, issues)));
}

/** `policies test`: parse the set and its tests with core, run them, print each failure's expected and actual decision. */
export function testPolicyFile(io: CliIo, file: string, policyFile: PolicyFile, format: ReportFormat): number {
  const startedAt = io.now();
  let parsed: ReturnType<typeof parsePolicySetWithTests>;
  try {
    parsed = parsePolicySetWithTests({ policies: policyFile.policies, ...(policyFile.tests === undefined ? {} : { tests: policyFile.tests }) });
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== "VALIDATION") throw error;
    const issues = (error.details as { issues?: FieldIssue[] } | undefined)?.issues ?? [];
    io.stderr(formatIssues(file, policyFile, issues, "is not a valid policy set"));
    reportProblems(io, "test", file, policyFile, issues, format);
    return EXIT_FAILURE;
  }
  const run = runPolicyTests(parsed.documents, parsed.tests);
  const seconds = (io.now() - startedAt) / 1000;
  if (format === "json") io.stdout(`${JSON.stringify(run, null, 2)}\n`);
  else if (format === "junit") io.stdout(junitOfTestRun(file, policyFile, run, seconds, new Date(startedAt).toISOString()));
  else if (format === "sarif") io.stdout(sarifText(sarifOfTestRun(file, policyFile, run)));
  else io.stdout(formatTestRun(file, policyFile, run));
  return run.failed === 0 ? EXIT_OK : EXIT_FAILURE;
}

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
    lines.push(`        actual:   ${actualText(result.actual)}`);
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

const APPLY_HELP = `Usage: gatehouse policies apply <file> [--dry-run]

Makes the org's active policies exactly those in <file>: new names are created, changed ones get
a new version, identical ones stay as they are, and active policies missing from the file are
archived. The whole set is applied at once, or nothing is.

<file> holds { "policies": [ … ], "tests": [ … ] } or a bare list of policy documents, in JSON or
YAML (by its extension: .json, .yaml, .yml; any other name is read as JSON if it parses, else as
YAML). The file's tests (see gatehouse policies test --help) run on the server before anything is
applied: when one fails, nothing is, and each failure is printed at its line. They are stored with
the policies (a file without tests removes the stored ones) and exported with them.

Options:
  --dry-run          Only show what would change

${CONNECTION_OPTIONS}

Output, one line per change, then the counts:
  + name v1          created
  ~ name v1 → v2     updated
  - name v3          archived
  = 4 unchanged

When the server rejects the set, each problem is printed with its path in the file
(policies[1].effect) and line, and the exit status is 1.
`;

const EXPORT_HELP = `Usage: gatehouse policies export [--format json|yaml]

Prints the org's active policies, and the tests published with them, as a policy file: applying
it again changes nothing. Versions and content hashes are left out; defaults the server filled in
(agents, mode, approval, the tests' request fields) are kept.

Options:
  --format <format>  json (default) or yaml

${CONNECTION_OPTIONS}

Example: gatehouse policies export --format yaml > policies.yaml
`;

/** The one file argument of `policies <command> <file>`. */
function fileArgument(command: string, args: readonly string[]): string {
  const [file, ...extra] = args;
  if (file === undefined) throw new UsageError(`policies ${command} needs a file: gatehouse policies ${command} <file>`);
  noMore(extra);
  return file;
}

/** Reads and parses a policy file; on failure prints why (with the line when known, and as the report junit and sarif ask for) and answers undefined. */
async function loadPolicyFile(io: CliIo, file: string, command: string, format: ReportFormat = "text"): Promise<PolicyFile | undefined> {
  let text: string;
  try {
    text = await io.readFile(file);
  } catch (error) {
    const message = `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`;
    io.stderr(`error: ${message}\n`);
    reportProblems(io, command, file, undefined, [{ path: "", message }], format);
    return undefined;
  }
  try {
    return readPolicyFile(file, text);
  } catch (error) {
    if (!(error instanceof PolicyFileError)) throw error;
    const where = error.line === undefined ? "" : `:${error.line}${error.column === undefined ? "" : `:${error.column}`}`;
    io.stderr(`error: ${file}${where}: ${error.message}\n`);
    reportProblems(io, command, file, undefined, [{ path: "", message: error.message, line: error.line }], format);
    return undefined;
  }
}

const apply = defineCommand({
  name: "apply",
  synopsis: "<file>",
  summary: "Make the org's active policies exactly those in <file>",
  options: { "dry-run": { type: "boolean" } },
  connection: "admin",
  help: APPLY_HELP,
  async run(io, args, options) {
    const file = fileArgument("apply", args);
    const admin = io.admin();
    const policyFile = await loadPolicyFile(io, file, "apply");
    if (policyFile === undefined) return EXIT_FAILURE;
    let diff: PolicySetDiff;
    try {
      // The server validates every document and runs the file's tests, and answers 400 with the paths of what is wrong.
      const tests = policyFile.tests === undefined ? {} : { tests: policyFile.tests as PolicyTestCaseInput[] };
      diff = await admin.policies.apply(policyFile.policies as PolicyDocument[], { dryRun: options["dry-run"], ...tests, signal: io.signal });
    } catch (error) {
      if (!(error instanceof BadRequestError)) throw error;
      io.stderr(rejection(file, error, policyFile));
      return EXIT_FAILURE;
    }
    io.stdout(formatDiff(diff));
    return EXIT_OK;
  },
});

const exportCommand = defineCommand({
  name: "export",
  summary: "Print the org's active policies as a file you can apply again",
  options: { format: { type: "string" } },
  connection: "admin",
  help: EXPORT_HELP,
  async run(io, args, options) {
    noMore(args);
    const format = options.format ?? "json";
    if (format !== "json" && format !== "yaml") throw new UsageError(`--format must be json or yaml, not "${format}"`);
    const { policies, tests } = await io.admin().policies.list({ signal: io.signal });
    io.stdout(formatPolicyFile(policies, format, tests));
    return EXIT_OK;
  },
});

const test = defineCommand({
  name: "test",
  synopsis: "<file>",
  summary: "Run the tests in <file> against its policies, offline",
  options: { json: { type: "boolean" }, format: { type: "string" } },
  connection: "none",
  help: POLICIES_TEST_HELP,
  async run(io, args, options) {
    const file = fileArgument("test", args);
    const format = reportFormat(options);
    const policyFile = await loadPolicyFile(io, file, "test", format);
    return policyFile === undefined ? EXIT_FAILURE : testPolicyFile(io, file, policyFile, format);
  },
});

const simulate = defineCommand({
  name: "simulate",
  synopsis: "<file> [--days <n>] [--fail-on loosen|change]",
  summary: "Replay <file>'s policies against the org's recent decisions",
  options: { days: { type: "string" }, json: { type: "boolean" }, format: { type: "string" }, "fail-on": { type: "string" } },
  connection: "admin",
  help: POLICIES_SIMULATE_HELP,
  async run(io, args, options) {
    const file = fileArgument("simulate", args);
    const days = parseDays(options.days);
    const format = reportFormat(options);
    const failOn = failOnOption(options["fail-on"]);
    const admin = io.admin();
    const policyFile = await loadPolicyFile(io, file, "simulate", format);
    if (policyFile === undefined) return EXIT_FAILURE;
    const startedAt = io.now();
    let simulation: PolicySimulation;
    try {
      simulation = await admin.policies.simulate(policyFile.policies as PolicyDocument[], { ...(days === undefined ? {} : { days }), signal: io.signal });
    } catch (error) {
      if (!(error instanceof BadRequestError)) throw error;
      io.stderr(rejection(file, error, policyFile));
      if (format === "junit" || format === "sarif") {
        const issues = issuesOf(error.details);
        const shown = issues.length > 0 ? issues : [{ path: "", message: error.message }];
        io.stdout(
          format === "junit" ? junitOfInvalidSet("simulate", file, policyFile, shown, new Date(startedAt).toISOString()) : sarifText(sarifOfInvalidSet(file, policyFile, shown)),
        );
      }
      return EXIT_FAILURE;
    }
    const seconds = (io.now() - startedAt) / 1000;
    if (format === "json") printJson(io.stdout, simulation);
    else if (format === "junit") io.stdout(junitOfSimulation(file, policyFile, simulation, failOn, seconds, new Date(startedAt).toISOString()));
    else if (format === "sarif") io.stdout(sarifText(sarifOfSimulation(file, policyFile, simulation, failOn)));
    else io.stdout(formatSimulation(simulation));
    // The transitions count every change (byActionType keeps the most frequent groups only).
    const failing = simulation.transitions.filter((change) => failsOn(change, failOn));
    if (failing.length === 0) return EXIT_OK;
    const count = failing.reduce((sum, change) => sum + change.count, 0);
    io.stderr(`${count} recorded decision${count === 1 ? "" : "s"} would ${failOn === "loosen" ? "loosen" : "change"} (--fail-on ${failOn}).\n`);
    return EXIT_FAILURE;
  },
});

export const policiesGroup: CommandGroup = {
  name: "policies",
  commands: [apply, exportCommand, monitorCommand, libraryCommand, libraryShowCommand, versionsCommand, test, simulate],
};

/** `+ a v1`, `~ b v1 → v2`, `- c v3`, `= 2 unchanged`, then the counts. */
function formatDiff(diff: PolicySetDiff): string {
  const lines: string[] = [];
  if (diff.dryRun) lines.push("Dry run: nothing was changed. Applying would make these changes:");
  for (const p of diff.created) lines.push(`+ ${p.name} v${p.version}`);
  for (const p of diff.updated) lines.push(`~ ${p.name} v${p.previousVersion} → v${p.version}`);
  for (const p of diff.archived) lines.push(`- ${p.name} v${p.version}`);
  if (diff.unchanged.length > 0) lines.push(`= ${diff.unchanged.length} unchanged`);
  const counts = `${diff.created.length} created, ${diff.updated.length} updated, ${diff.archived.length} archived, ${diff.unchanged.length} unchanged`;
  lines.push(diff.dryRun ? `Would apply: ${counts}.` : `Applied: ${counts}.`);
  return `${lines.join("\n")}\n`;
}

function issuesOf(details: unknown): FieldIssue[] {
  if (typeof details !== "object" || details === null) return [];
  const issues = (details as { issues?: unknown }).issues;
  if (!Array.isArray(issues)) return [];
  return issues.flatMap((issue: unknown) => {
    if (typeof issue !== "object" || issue === null) return [];
    const { path, message } = issue as { path?: unknown; message?: unknown };
    return typeof message === "string" ? [{ path: typeof path === "string" ? path : "", message }] : [];
  });
}

/** The server's 400, one line per issue with its path and, when the file says, its line. */
function rejection(file: string, error: BadRequestError, policyFile: PolicyFile): string {
  const issues = issuesOf(error.details);
  const id = error.requestId === undefined ? "" : ` (request id ${error.requestId})`;
  if (issues.length === 0) return `error: ${file} was rejected: ${error.message}${id}\n`;
  return formatIssues(file, policyFile, issues, `was rejected`, id);
}
