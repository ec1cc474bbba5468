/**
 * `policies test` and `policies simulate` as CI reads them: JUnit XML (a test case per policy test, or per change the
 * replay found) and SARIF 2.1.0 (a result per failing test or risky change, at its line in the policy file), so a pull
 * request that changes policies shows its failures where code review and test reports show theirs (docs/policies.md,
 * "In CI"). Pure: the commands print what these return.
 */
import { RESTRICTIVENESS, type FieldIssue, type PolicyTestRun } from "@gatehouse/core";
import type { PolicySimulation } from "@gatehouse/sdk";
import type { PolicyFile } from "./policy-file.ts";
import { VERSION } from "./version.ts";

/** What `--format` may ask for; `text` is the default, `json` the run or answer as the API returns it. */
export const REPORT_FORMATS = ["text", "json", "junit", "sarif"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Which of the replay's changes fail `policies simulate` (its exit status 1, an error in SARIF, a failure in JUnit). */
export const FAIL_ON = ["none", "loosen", "change"] as const;
export type FailOn = (typeof FAIL_ON)[number];

type Effect = keyof typeof RESTRICTIVENESS;

/** A change lets through what was held or refused: deny → allow, deny → require_approval, require_approval → allow. */
export function loosens(change: { from: Effect; to: Effect }): boolean {
  return RESTRICTIVENESS[change.to] < RESTRICTIVENESS[change.from];
}

/** Whether a change fails the replay under `--fail-on`. */
export function failsOn(change: { from: Effect; to: Effect }, failOn: FailOn): boolean {
  return failOn === "change" || (failOn === "loosen" && loosens(change));
}

// ---------------------------------------------------------------------------------------------------------------
// JUnit XML

const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;" };
/** What XML 1.0 cannot carry: most control characters, lone surrogates, U+FFFE and U+FFFF. */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/gu;

/** An attribute's value: escaped, tab and line ends as references (a parser would normalise them to spaces), what XML cannot carry dropped. */
export function xmlAttribute(text: string): string {
  return text.replace(NOT_XML, "").replace(/[&<>"'\t\n\r]/g, (c) => XML_ESCAPES[c] ?? c);
}

/** An element's text: escaped, a carriage return as a reference (a parser would read it as a line feed), what XML cannot carry dropped. */
function xmlText(text: string): string {
  return text.replace(NOT_XML, "").replace(/[&<>\r]/g, (c) => XML_ESCAPES[c] ?? c);
}

type JunitCase = { name: string; line: number | undefined; failure?: { message: string; type: string; detail: string } };

function junit(suiteName: string, file: string, cases: readonly JunitCase[], seconds: number, timestamp: string): string {
  const failures = cases.filter((c) => c.failure).length;
  const time = seconds.toFixed(3);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlAttribute(suiteName)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${time}">`,
    `  <testsuite name="${xmlAttribute(file)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${time}" timestamp="${xmlAttribute(timestamp)}">`,
  ];
  for (const c of cases) {
    const open = `    <testcase name="${xmlAttribute(c.name)}" classname="${xmlAttribute(file)}" file="${xmlAttribute(file)}"${c.line === undefined ? "" : ` line="${c.line}"`} time="0"`;
    if (!c.failure) {
      lines.push(`${open}/>`);
      continue;
    }
    lines.push(
      `${open}>`,
      `      <failure message="${xmlAttribute(c.failure.message)}" type="${xmlAttribute(c.failure.type)}">${xmlText(c.failure.detail)}</failure>`,
      "    </testcase>",
    );
  }
  lines.push("  </testsuite>", "</testsuites>", "");
  return lines.join("\n");
}

/** A decision as the CLI prints it: `allow (any policy)`, `deny by no policy`, `require_approval by review-merges`. */
export const decisionText = (d: { effect: string; policy?: string | null | undefined }, any = false): string =>
  `${d.effect}${d.policy === undefined ? (any ? " (any policy)" : "") : d.policy === null ? " by no policy" : ` by ${d.policy}`}`;

/** A test's actual decision, with the denial's reason when there is one. */
export const actualText = (actual: PolicyTestRun["results"][number]["actual"]): string => `${decisionText(actual)}${actual.reason ? ` (${actual.reason})` : ""}`;

const at = (file: string, line: number | undefined): string => (line === undefined ? file : `${file}:${line}`);

/** `policies test --format junit`: a test case per test of the file, a failure with the expected and actual decision. */
export function junitOfTestRun(file: string, policyFile: PolicyFile, run: PolicyTestRun, seconds: number, timestamp: string): string {
  const cases = run.results.map((result, i): JunitCase => {
    const line = policyFile.lineOf(`tests[${i}]`);
    if (result.passed) return { name: result.name, line };
    const expected = decisionText(result.expected, true);
    const actual = actualText(result.actual);
    return {
      name: result.name,
      line,
      failure: { message: `expected ${expected}, got ${actual}`, type: "PolicyTestFailed", detail: `${at(file, line)}\nexpected: ${expected}\nactual:   ${actual}` },
    };
  });
  return junit("gatehouse policies test", file, cases, seconds, timestamp);
}

/** A problem with the file: a field's (its path), or the file's own (bad YAML: path "" and the line the reader names). */
export type FileIssue = FieldIssue & { line?: number | undefined };

const lineOfIssue = (policyFile: PolicyFile | undefined, issue: FileIssue): number | undefined => issue.line ?? policyFile?.lineOf(issue.path);

/** A file that is no valid policy set: one failing test case per problem, at its line. */
export function junitOfInvalidSet(command: string, file: string, policyFile: PolicyFile | undefined, issues: readonly FileIssue[], timestamp: string): string {
  const cases = issues.map((issue): JunitCase => {
    const line = lineOfIssue(policyFile, issue);
    const where = issue.path || "(file)";
    return { name: `${where} is valid`, line, failure: { message: `${where}: ${issue.message}`, type: "InvalidPolicySet", detail: `${at(file, line)}: ${issue.message}` } };
  });
  return junit(`gatehouse policies ${command}`, file, cases, 0, timestamp);
}

/** `policies simulate --format junit`: a test case per change by action type; a failure where `--fail-on` says. */
export function junitOfSimulation(file: string, policyFile: PolicyFile, simulation: PolicySimulation, failOn: FailOn, seconds: number, timestamp: string): string {
  const cases = simulation.byActionType.map((change): JunitCase => {
    const line = lineOfDeciding(policyFile, simulation, change);
    const name = `${change.actionType}: ${change.from} → ${change.to}`;
    if (!failsOn(change, failOn)) return { name, line };
    const message = changeMessage(simulation, change);
    return { name, line, failure: { message, type: loosens(change) ? "DecisionLoosened" : "DecisionChanged", detail: `${at(file, line)}: ${message}` } };
  });
  // A replay that changes nothing is one passing case, so the report says it ran.
  if (cases.length === 0) cases.push({ name: `no decision of the last ${simulation.days} days would change`, line: undefined });
  return junit("gatehouse policies simulate", file, cases, seconds, timestamp);
}

// ---------------------------------------------------------------------------------------------------------------
// SARIF 2.1.0

type Level = "error" | "warning" | "note";
type Rule = {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  defaultConfiguration: { level: Level };
};

const RULES = {
  testFailed: rule(
    "GH001",
    "PolicyTestFailed",
    "A test of the policy file got another decision",
    "The sample request of a test in the file's tests: list was decided otherwise than its expect: says, by the same engine the server decides with.",
    "error",
    "Change the policies so the request gets the decision the test expects, or change the test's expect: if the new decision is the one you want. Run `gatehouse policies test <file>` to see each failure's expected and actual decision.",
  ),
  invalidSet: rule(
    "GH002",
    "InvalidPolicySet",
    "The file is not a valid policy set",
    "The server would refuse to apply this file: a field is missing, unknown or out of range.",
    "error",
    "Fix the field the message names (docs/policies.md lists every field). `gatehouse policies test <file>` checks the file offline.",
  ),
  loosened: rule(
    "GH003",
    "DecisionLoosened",
    "Recorded decisions would become less restrictive",
    "Replayed against the org's recent decisions, the file's policies would let through what was held for approval or refused (deny → allow, deny → require_approval, require_approval → allow).",
    "warning",
    "Check that the calls this lets through should go through without a person's approval. `gatehouse policies simulate <file>` lists samples of the decisions that would change.",
  ),
  tightened: rule(
    "GH004",
    "DecisionTightened",
    "Recorded decisions would become more restrictive",
    "Replayed against the org's recent decisions, the file's policies would hold or refuse what was allowed: agents that relied on it would be stopped.",
    "note",
    "Check that the agents making these calls can wait for an approval or do without them. `gatehouse policies simulate <file>` lists samples and the agents most affected.",
  ),
} as const;

function rule(id: string, name: string, short: string, full: string, level: Level, help: string): Rule {
  return { id, name, shortDescription: { text: short }, fullDescription: { text: full }, help: { text: help, markdown: help }, defaultConfiguration: { level } };
}

type SarifResult = {
  ruleId: string;
  ruleIndex: number;
  level: Level;
  message: { text: string };
  locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region?: { startLine: number } } }[];
  partialFingerprints: { "gatehouse/v1": string };
};

const RULE_LIST: Rule[] = Object.values(RULES);

/** The file as a SARIF artifact: a relative path stays relative to the repository (%SRCROOT%), an absolute one is a file: URI. */
export function artifactUri(file: string): string {
  const posix = file.replace(/\\/g, "/");
  if (/^([a-zA-Z]:)?\//.test(posix)) return `file://${posix.startsWith("/") ? "" : "/"}${encodeURI(posix)}`;
  return encodeURI(posix.replace(/^\.\//, ""));
}

/** Where a result is: the file (relative to %SRCROOT%, or a file: URI), and its line when known. */
function location(file: string, line: number | undefined): SarifResult["locations"][number] {
  const uri = artifactUri(file);
  const artifactLocation = uri.startsWith("file:") ? { uri } : { uri, uriBaseId: "%SRCROOT%" };
  return { physicalLocation: { artifactLocation, ...(line === undefined ? {} : { region: { startLine: line } }) } };
}

function result(file: string, which: Rule, level: Level, text: string, line: number | undefined, fingerprint: string): SarifResult {
  return {
    ruleId: which.id,
    ruleIndex: RULE_LIST.indexOf(which),
    level,
    message: { text },
    locations: [location(file, line)],
    // Stable across runs and line moves, so a code-scanning service tracks one finding rather than a new one per push.
    partialFingerprints: { "gatehouse/v1": fingerprint },
  };
}

function sarif(file: string, results: SarifResult[]): object {
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "gatehouse", semanticVersion: VERSION, rules: RULE_LIST } },
        ...(artifactUri(file).startsWith("file:") ? {} : { originalUriBaseIds: { "%SRCROOT%": { description: { text: "The folder the command ran in." } } } }),
        invocations: [{ executionSuccessful: true }],
        results,
      },
    ],
  };
}

/** `policies test --format sarif`: an error per failing test, at the test's line. */
export function sarifOfTestRun(file: string, policyFile: PolicyFile, run: PolicyTestRun): object {
  const results = run.results.flatMap((r, i) => {
    if (r.passed) return [];
    const text = `Test "${r.name}" expected ${decisionText(r.expected, true)}, got ${actualText(r.actual)}.`;
    return [result(file, RULES.testFailed, "error", text, policyFile.lineOf(`tests[${i}]`), `test:${r.name}`)];
  });
  return sarif(file, results);
}

/** A file that is no valid policy set: an error per problem, at its line. */
export function sarifOfInvalidSet(file: string, policyFile: PolicyFile | undefined, issues: readonly FileIssue[]): object {
  const results = issues.map((issue) =>
    result(file, RULES.invalidSet, "error", `${issue.path || "The file"}: ${issue.message}`, lineOfIssue(policyFile, issue), `invalid:${issue.path}:${issue.message}`),
  );
  return sarif(file, results);
}

/** `policies simulate --format sarif`: a result per change by action type, at the policy in the file that would decide it. */
export function sarifOfSimulation(file: string, policyFile: PolicyFile, simulation: PolicySimulation, failOn: FailOn): object {
  const results = simulation.byActionType.map((change) => {
    const loose = loosens(change);
    const which = loose ? RULES.loosened : RULES.tightened;
    const level: Level = failsOn(change, failOn) ? "error" : which.defaultConfiguration.level;
    const fingerprint = `replay:${change.actionType}:${change.from}:${change.to}`;
    return result(file, which, level, changeMessage(simulation, change), lineOfDeciding(policyFile, simulation, change), fingerprint);
  });
  return sarif(file, results);
}

type Change = PolicySimulation["byActionType"][number];

function changeMessage(simulation: PolicySimulation, change: Change): string {
  const policy = decidingPolicy(simulation, change);
  const count = change.count === 1 ? "1 recorded decision" : `${change.count} recorded decisions`;
  return `${count} of ${change.actionType} in the last ${simulation.days} day${simulation.days === 1 ? "" : "s"} would go from ${change.from} to ${change.to}${policy ? ` (decided by ${policy})` : ""}.`;
}

/** The file's policy that would decide a change, as the replay's samples of that action type and transition name it. */
function decidingPolicy(simulation: PolicySimulation, change: Change): string | undefined {
  const sample = simulation.samples.find((s) => s.actionType === change.actionType && s.from === change.from && s.to === change.to && s.policyAfter !== null);
  return sample?.policyAfter ?? undefined;
}

/** That policy's line in the file, or undefined (the finding is then on the file). */
function lineOfDeciding(policyFile: PolicyFile, simulation: PolicySimulation, change: Change): number | undefined {
  const name = decidingPolicy(simulation, change);
  if (name === undefined) return undefined;
  const index = policyFile.policies.findIndex((p) => typeof p === "object" && p !== null && (p as { name?: unknown }).name === name);
  return index < 0 ? undefined : policyFile.lineOf(`policies[${index}]`);
}

/** SARIF as printed: two-space JSON and a newline. */
export function sarifText(log: object): string {
  return `${JSON.stringify(log, null, 2)}\n`;
}
