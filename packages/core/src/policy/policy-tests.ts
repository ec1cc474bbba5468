import { z } from "zod";
import { canonicalize } from "@gatehouse/tlog/portable";
import { dataAccessedSchema } from "../actions/action-result";
import { jsonRecord, safeString } from "../input";
import { DomainError, validationError, type FieldIssue } from "../errors";
import { ACTION_TYPE_PATTERN, MAX_POLICIES, parsePolicySet, policyDocumentSchema, POLICY_NAME_PATTERN, zodIssues, type PolicyDocument, type PolicyEffect } from "./document";
import { compilePolicy, PolicySet } from "./evaluate";
import { onlyThisCall } from "./replay-counts";
import { contentSettingsSchema } from "../content/content-rules";
import type { ContentFinding } from "../content/screen-content";
import { judgeCall, untaggedScreen } from "../actions/judge-call";

/**
 * Tests that travel with a policy set: a sample request and the decision it must get. The same engine
 * runs them in the console as the author types, at publish (a set whose tests fail is refused), and
 * offline in `gatehouse policies test <file>`.
 */
export const policyTestCaseSchema = z.strictObject({
  name: safeString().min(1).max(200),
  request: z.strictObject({
    actionType: z.string({ error: "is required" }).regex(ACTION_TYPE_PATTERN, "must match ^[a-z0-9][a-z0-9._:-]{0,127}$"),
    agent: safeString().min(1).max(200).default("test-agent").describe("The agent's name (policies' `agents` patterns match it)."),
    agentLabels: z.record(safeString().max(100), safeString().max(200)).default({}),
    metadata: jsonRecord({ maxKeyLength: 200 }).default({}),
    dataAccessed: z.array(dataAccessedSchema).max(100).default([]),
  }),
  expect: z.strictObject({
    effect: z.enum(["allow", "deny", "require_approval"]),
    policy: z
      .string()
      .regex(POLICY_NAME_PATTERN, "must be a policy name")
      .nullable()
      .optional()
      .describe("The policy that must decide; null: no policy applies (NO_POLICY). Absent: any."),
    findings: z
      .array(
        z.strictObject({
          detector: z.string().max(100).optional(),
          class: z.enum(["secrets", "personalData"]).optional(),
          path: z.string().max(500).optional(),
          action: z.enum(["denied", "redacted", "flagged"]),
        }),
      )
      .max(100)
      .optional()
      .describe(
        "The secrets and personal data the content screen must find in the request (docs/content.md), each matched on the fields given; exactly these. Tests run with the default org settings (secrets `redact`, personal data `flag`) and the set's `content` rules. Absent: not checked.",
      ),
    metadata: jsonRecord({ maxKeyLength: 200 })
      .optional()
      .describe(
        "The request's metadata as the policies' `redact` and `transform` leave it (docs/policies.md, Rewriting a call): exactly this. A rewrite that cannot be made is a deny with reason REWRITE_REFUSED. Absent: not checked.",
      ),
  }),
});
export type PolicyTestCase = z.output<typeof policyTestCaseSchema>;

export const MAX_POLICY_TESTS = 500;
export const policyTestsSchema = z.array(policyTestCaseSchema).max(MAX_POLICY_TESTS);

/** A whole policy set as it is applied, exported and published: its policies and the tests that travel with them. */
export const policySetSchema = z.strictObject({
  policies: z.array(policyDocumentSchema).max(MAX_POLICIES),
  tests: policyTestsSchema.optional().describe("Test cases: a sample request and the decision it must get. A set whose tests fail is refused (400 naming `tests[i]`)."),
});

export interface PolicyTestResult {
  name: string;
  passed: boolean;
  expected: PolicyTestCase["expect"];
  actual: { effect: PolicyEffect; policy: string | null; reason?: string | undefined; findings?: ContentFinding[]; metadata?: Record<string, unknown> };
}

export interface PolicyTestRun {
  passed: number;
  failed: number;
  results: PolicyTestResult[];
}

/** Parses a set's `tests` (absent: none); bad ones are a validation error naming `tests[i].…`. */
export function parsePolicyTests(input: unknown): PolicyTestCase[] {
  const tests = input && typeof input === "object" ? (input as { tests?: unknown }).tests : undefined;
  if (tests === undefined) return [];
  const parsed = policyTestsSchema.safeParse(tests);
  if (parsed.success) return parsed.data;
  throw validationError(zodIssues(parsed.error, ["tests"]));
}

/**
 * Parses a set with its tests, reporting the issues of both at once (`policies[1].effect`,
 * `tests[0].expect.effect`). Throws a VALIDATION DomainError.
 */
export function parsePolicySetWithTests(input: unknown): { documents: PolicyDocument[]; tests: PolicyTestCase[] } {
  const issues: FieldIssue[] = [];
  const attempt = <T>(parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== "VALIDATION") throw error;
      issues.push(...((error.details as { issues?: FieldIssue[] } | undefined)?.issues ?? []));
      return undefined;
    }
  };
  const documents = attempt(() => parsePolicySet(input));
  const tests = attempt(() => parsePolicyTests(input));
  if (!documents || !tests) throw validationError(issues);
  return { documents, tests };
}

/**
 * Runs `tests` against `documents` with the judgement production makes (judge-call.ts; a monitor-mode
 * policy never blocks: when only monitor-mode policies apply, the request is allowed in its name);
 * rate conditions see only the call itself (a count of 1), so a rate limit never trips in a test.
 */
export function runPolicyTests(documents: readonly PolicyDocument[], tests: readonly PolicyTestCase[]): PolicyTestRun {
  const set = new PolicySet(documents.map((document, i) => compilePolicy(document, { versionId: `draft-${i}`, version: 0 })));
  const counts = onlyThisCall(set);
  const results = tests.map((test): PolicyTestResult => {
    const agent = { id: test.request.agent, name: test.request.agent, labels: test.request.agentLabels };
    const request = { actionType: test.request.actionType, metadata: test.request.metadata, dataAccessed: test.request.dataAccessed };
    // The one judgement production makes (judge-call.ts): the policies, their rewrites, the content screen over the
    // call as rewritten with the default org settings and the set's `content`, and which reason wins.
    const judged = judgeCall(set, request, { agent }, { counts, content: DEFAULT_CONTENT, screenWith: untaggedScreen });
    const { findings } = judged;
    const rewritten = judged.request.metadata;
    const actual = {
      effect: judged.effect,
      policy: judged.policy,
      ...(judged.denialReason ? { reason: judged.denialReason } : judged.decided.reason ? { reason: judged.decided.reason } : {}),
      ...(findings.length > 0 ? { findings: [...findings] } : {}),
      ...(judged.rewritten ? { metadata: rewritten } : {}),
    };
    const policyOk = test.expect.policy === undefined || test.expect.policy === actual.policy;
    const findingsOk = test.expect.findings === undefined || sameFindings(test.expect.findings, findings);
    const metadataOk = test.expect.metadata === undefined || canonicalize(test.expect.metadata) === canonicalize(rewritten);
    return { name: test.name, passed: actual.effect === test.expect.effect && policyOk && findingsOk && metadataOk, expected: test.expect, actual };
  });
  const passed = results.filter((r) => r.passed).length;
  return { passed, failed: results.length - passed, results };
}

const DEFAULT_CONTENT = contentSettingsSchema.parse({});

/** Each expected finding matched (on the fields it gives) by a finding of its own, and no finding left over. */
function sameFindings(expected: NonNullable<PolicyTestCase["expect"]["findings"]>, actual: readonly ContentFinding[]): boolean {
  if (expected.length !== actual.length) return false;
  const left = [...actual];
  for (const want of expected) {
    const at = left.findIndex((f) => (Object.entries(want) as Array<[keyof ContentFinding, string]>).every(([key, value]) => f[key] === value));
    if (at < 0) return false;
    left.splice(at, 1);
  }
  return true;
}

/** A failed test as a validation issue at its path (`tests[3]`), for refusing to publish. */
export function failedTestIssues(run: PolicyTestRun): FieldIssue[] {
  return run.results.flatMap((r, i) =>
    r.passed
      ? []
      : [
          {
            path: `tests[${i}]`,
            message: `'${r.name}' expected ${r.expected.effect}${r.expected.policy !== undefined ? ` by ${r.expected.policy ?? "no policy"}` : ""}${
              r.expected.findings ? ` with ${r.expected.findings.length} finding(s)` : ""
            }${r.expected.metadata ? ` with metadata ${canonicalize(r.expected.metadata)}` : ""}, got ${r.actual.effect} by ${r.actual.policy ?? "no policy"}${
              r.actual.reason === "CONTENT_DENIED" || r.actual.reason === "REWRITE_REFUSED" ? ` (${r.actual.reason})` : ""
            }${r.expected.metadata && r.actual.metadata ? ` with metadata ${canonicalize(r.actual.metadata)}` : ""}${
              r.expected.findings
                ? ` with ${r.actual.findings?.length ?? 0} finding(s)${r.actual.findings ? `: ${r.actual.findings.map((f) => `${f.detector} at ${f.path} ${f.action}`).join(", ")}` : ""}`
                : ""
            }`,
          },
        ],
  );
}
