import { isDomainError, type FieldIssue } from "../errors";
import type { PolicyDocument } from "./document";
import { parsePolicySource, type PolicySourceFormat, type SourceIssue } from "./policy-source";
import { failedTestIssues, parsePolicySetWithTests, runPolicyTests, type PolicyTestCase, type PolicyTestRun } from "./policy-tests";

/**
 * Parsing and testing a policy set as plain data in, plain data out, so it can run on a worker
 * thread (packages/db's work pool): the refusals are issues, never a thrown DomainError.
 */
export type PolicyCheck =
  | { ok: true; input: { policies: unknown; tests?: unknown }; documents: PolicyDocument[]; tests: PolicyTestCase[]; run: PolicyTestRun; failed: SourceIssue[] }
  | { ok: false; issues: SourceIssue[] };

function issuesOf(error: unknown): FieldIssue[] {
  if (isDomainError(error) && error.code === "VALIDATION") return (error.details as { issues?: FieldIssue[] } | undefined)?.issues ?? [{ path: "", message: error.message }];
  throw error;
}

/** A source (YAML or JSON text) parsed and its tests run; `failed` has a failing test's issue with its line. */
export function checkPolicySource(input: { source: string; format: PolicySourceFormat }): PolicyCheck {
  const parsed = parsePolicySource(input.source, input.format);
  if (!parsed.ok) return { ok: false, issues: parsed.issues };
  const run = runPolicyTests(parsed.set, parsed.tests);
  const failed = failedTestIssues(run).map((issue) => ({ ...issue, line: parsed.lineOf(issue.path) }));
  return { ok: true, input: parsed.input, documents: parsed.set, tests: parsed.tests, run, failed };
}

/** A set as JSON (`{ policies, tests }`) parsed and its tests run. */
export function checkPolicySet(input: unknown): PolicyCheck {
  let parsed: { documents: PolicyDocument[]; tests: PolicyTestCase[] };
  try {
    parsed = parsePolicySetWithTests(input);
  } catch (error) {
    return { ok: false, issues: issuesOf(error) };
  }
  const run = runPolicyTests(parsed.documents, parsed.tests);
  return { ok: true, input: input as { policies: unknown }, ...parsed, run, failed: failedTestIssues(run) };
}
