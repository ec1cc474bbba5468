import { canonicalize } from "@gatehouse/tlog/portable";
import { sha256Hex } from "../audit/hashing";
import { isDomainError, type FieldIssue } from "../errors";
import type { PolicyDocument } from "./document";
import { formatPolicySource, parsePolicySource, policySourceLimitIssue, type PolicySourceFormat, type SourceIssue } from "./policy-source";
import { failedTestIssues, parsePolicySetWithTests, runPolicyTests, type PolicyTestCase, type PolicyTestRun } from "./policy-tests";

/**
 * Parsing and testing a policy set as plain data in, plain data out, so it can run on a worker
 * thread (packages/db's work pool): the refusals are issues, never a thrown DomainError.
 */
export type PolicyCheck =
  | {
      ok: true;
      input: { policies: unknown; tests?: unknown };
      documents: PolicyDocument[];
      /** Each document's content hash, in order (policyContentHash), computed where the set was checked. */
      contentHashes: string[];
      tests: PolicyTestCase[];
      run: PolicyTestRun;
      failed: SourceIssue[];
    }
  | { ok: false; issues: SourceIssue[] };

/** What a check answers besides `ok` and `failed`; a caller names what it uses, so only that crosses back from the worker. */
export type PolicyCheckPart = "input" | "documents" | "contentHashes" | "tests" | "run";
export type PolicyCheckOf<P extends PolicyCheckPart> = Pick<Extract<PolicyCheck, { ok: true }>, "ok" | "failed" | P> | Extract<PolicyCheck, { ok: false }>;

function answering(check: PolicyCheck, parts: readonly PolicyCheckPart[] | undefined): PolicyCheck {
  if (!check.ok || !parts) return check;
  const kept: Record<string, unknown> = { ok: true, failed: check.failed };
  for (const part of parts) kept[part] = check[part];
  return kept as PolicyCheck;
}

function issuesOf(error: unknown): FieldIssue[] {
  if (isDomainError(error) && error.code === "VALIDATION") return (error.details as { issues?: FieldIssue[] } | undefined)?.issues ?? [{ path: "", message: error.message }];
  throw error;
}

/** A published version's content hash: SHA-256 of the document's RFC 8785 JSON (what its audit entry and the tamper check carry). */
export function policyContentHash(document: PolicyDocument): string {
  return sha256Hex(canonicalize(document));
}

/**
 * A source (YAML or JSON text) parsed and its tests run; `failed` has a failing test's issue with its
 * line. With `answer`, the answer holds only those parts (and `ok`, `failed`).
 */
export function checkPolicySource(input: { source: string; format: PolicySourceFormat; answer?: readonly PolicyCheckPart[] }): PolicyCheck {
  const parsed = parsePolicySource(input.source, input.format);
  if (!parsed.ok) return { ok: false, issues: parsed.issues };
  const run = runPolicyTests(parsed.set, parsed.tests);
  const failed = failedTestIssues(run).map((issue) => ({ ...issue, line: parsed.lineOf(issue.path) }));
  return answering({ ok: true, input: parsed.input, documents: parsed.set, contentHashes: parsed.set.map(policyContentHash), tests: parsed.tests, run, failed }, input.answer);
}

/** A set as JSON (`{ policies, tests }`) parsed and its tests run. With `answer`, the answer holds only those parts (and `ok`, `failed`). */
export function checkPolicySet({ set, answer }: { set: unknown; answer?: readonly PolicyCheckPart[] }): PolicyCheck {
  let parsed: { documents: PolicyDocument[]; tests: PolicyTestCase[] };
  try {
    parsed = parsePolicySetWithTests(set);
  } catch (error) {
    return { ok: false, issues: issuesOf(error) };
  }
  const run = runPolicyTests(parsed.documents, parsed.tests);
  return answering(
    { ok: true, input: set as { policies: unknown }, ...parsed, contentHashes: parsed.documents.map(policyContentHash), run, failed: failedTestIssues(run) },
    answer,
  );
}

/** {@link policySourceLimitIssue} as a task: a draft's source counted against the limits before it is stored (linear, but a 1 MB draft is milliseconds). */
export function checkPolicySourceLimits(input: { source: string; format: PolicySourceFormat }): SourceIssue | null {
  return policySourceLimitIssue(input.source, input.format);
}

/** {@link formatPolicySource} as a task: an org's active set as editor text (hundreds of policies take a second as YAML). */
export function formatPolicySet(input: { set: { policies: readonly object[]; tests?: readonly object[] }; format: PolicySourceFormat }): string {
  return formatPolicySource(input.set, input.format);
}
