import {
  dryRunQuerySchema,
  policyListSchema,
  policyScopeQuerySchema,
  policySetBodySchema,
  policySetDiffSchema,
  policySimulationSchema,
  policyTestRunSchema,
  simulatePoliciesBodySchema,
  storedPolicyListSchema,
} from "../policies";
import {
  pendingPolicyDraftSchema,
  policyDraftSchema,
  policyNameParams,
  policyVersionListSchema,
  publishedPolicyDraftSchema,
  publishPolicyDraftBodySchema,
  savePolicyDraftBodySchema,
} from "../policy-drafts";
import { policyLibrarySchema } from "../policy-library";
import { policyMonitorQuerySchema, policyMonitorSchema } from "../policy-monitor";
import type { RouteContract } from "./contract";

/** The active policies as a key of the org reads them. */
export const policyRoutes = [
  {
    operationId: "listPolicies",
    method: "GET",
    path: "/v1/policies",
    summary: "Active policies (for this agent, or the whole org)",
    tag: "Policies",
    auth: "key",
    query: policyScopeQuerySchema,
    success: { status: 200, description: "The active policies.", json: policyListSchema },
  },
] as const satisfies readonly RouteContract[];

/**
 * The policy set as members edit it: the active set, its monitor and library, the draft and its
 * publishing, the versions, and trying a set out (test, simulate). A list apart from policyRoutes:
 * ../routes.ts puts it after the audit routes, where it has always been.
 */
export const adminPolicyRoutes = [
  {
    operationId: "getPolicySet",
    method: "GET",
    path: "/v1/admin/policies",
    summary: "The active policy set",
    tag: "Policies",
    auth: "admin",
    success: { status: 200, description: "The active documents with their versions.", json: storedPolicyListSchema },
  },
  {
    operationId: "applyPolicySet",
    method: "PUT",
    path: "/v1/admin/policies",
    summary: "Apply a whole policy set (declarative)",
    description:
      "Policies not in the set are archived. `dryRun=true` answers the diff without applying it. Under the org setting `policies.requireSecondApproval` a member's apply is a 409 (`details.reason` SECOND_APPROVAL_REQUIRED): publish a draft instead, for another owner or admin to approve.",
    tag: "Policies",
    auth: "admin",
    permission: "policies.write",
    orgTurn: "policy editing",
    query: dryRunQuerySchema,
    body: policySetBodySchema,
    success: { status: 200, description: "How the active set changed.", json: policySetDiffSchema },
  },
  {
    operationId: "getPolicyMonitor",
    method: "GET",
    path: "/v1/admin/policies/monitor",
    summary: "What monitor mode and report-only would have blocked",
    description:
      "Per UTC day over the last `days` (1–90, default 7; days without decisions are 0) and per policy: how many decisions monitor-mode policies and the org's report-only trial (`policies.reportOnly`) would have denied or held for approval, and how many each policy decided. Read from the rollups the worker keeps (about a second behind).",
    tag: "Policies",
    auth: "admin",
    query: policyMonitorQuerySchema,
    success: { status: 200, description: "Would-be blocks per day and per policy.", json: policyMonitorSchema },
  },
  {
    operationId: "getPolicyLibrary",
    method: "GET",
    path: "/v1/admin/policies/library",
    summary: "The policy template library and its compliance packs",
    description:
      "Templates to start a policy set from: each with its policies (named `<template id>.…`, so templates combine), its test cases and its rationale; and packs mapping the templates to the controls of OWASP-style agentic risks, SOC 2 CC8.1 and EU AI Act Article 14. The same for every org; any member may read it, as they may read the policies.",
    tag: "Policies",
    auth: "admin",
    success: { status: 200, description: "Every template and pack.", json: policyLibrarySchema },
  },
  {
    operationId: "getPolicyDraft",
    method: "GET",
    path: "/v1/admin/policies/draft",
    summary: "The org's policy draft",
    description:
      "The set as its writers edit it (YAML or JSON text), not live. With no draft stored: the active set and its tests as YAML, at revision 0. A draft is work in progress of the policy writers: reading it needs `policies.write`.",
    tag: "Policies",
    auth: "admin",
    permission: "policies.write",
    orgTurn: "policy editing",
    success: { status: 200, description: "The draft.", json: policyDraftSchema },
  },
  {
    operationId: "savePolicyDraft",
    method: "PUT",
    path: "/v1/admin/policies/draft",
    summary: "Save the policy draft",
    description:
      "Stored as written (a draft may be invalid; publishing parses it), at most 1 MB. `revision` is the revision the edit started from (0: none stored); a save by anyone since is a 409 naming `revision`.",
    tag: "Policies",
    auth: "admin",
    permission: "policies.write",
    orgTurn: "policy editing",
    body: savePolicyDraftBodySchema,
    bodyLimit: 2 * 1024 * 1024,
    success: { status: 200, description: "The draft as saved, at its new revision.", json: policyDraftSchema },
  },
  {
    operationId: "discardPolicyDraft",
    method: "DELETE",
    path: "/v1/admin/policies/draft",
    summary: "Discard the policy draft",
    tag: "Policies",
    auth: "admin",
    permission: "policies.write",
    orgTurn: "policy editing",
    success: { status: 200, description: "What the editor shows next: the active set at revision 0.", json: policyDraftSchema },
  },
  {
    operationId: "publishPolicyDraft",
    method: "POST",
    path: "/v1/admin/policies/draft/publish",
    summary: "Publish the policy draft",
    description:
      "Parses the draft at `revision` (a save since → 409 naming `revision`; a parse error → 400 with issues `{ path, message, line }`, `line` counting from 1 in `source`) and runs its tests (a failing one → 400 naming `tests[i]`). Then applies it as `PUT /v1/admin/policies` does and deletes the draft (200), or, when the org setting `policies.requireSecondApproval` is on, records the set and opens an approval (action `gatehouse.policies.publish` of the org's `gatehouse-policies` agent) that another owner or admin must approve before it goes live (202; the publishing member cannot approve it).",
    tag: "Policies",
    auth: "admin",
    permission: "policies.write",
    orgTurn: "policy editing",
    body: publishPolicyDraftBodySchema,
    success: { status: 200, description: "Published: how the active set changed.", json: publishedPolicyDraftSchema },
    accepted: { status: 202, description: "Waiting for a second admin's approval.", json: pendingPolicyDraftSchema },
  },
  {
    operationId: "listPolicyVersions",
    method: "GET",
    path: "/v1/admin/policies/:name/versions",
    summary: "A policy's versions",
    description: "Every version, newest first (at most 500), with who published it (from its audit entry). Another org's or an unknown name → 404.",
    tag: "Policies",
    auth: "admin",
    params: policyNameParams,
    success: { status: 200, description: "The policy's versions.", json: policyVersionListSchema },
  },
  {
    operationId: "testPolicies",
    method: "POST",
    path: "/v1/admin/policies/test",
    summary: "Run a policy set's tests",
    description:
      "Runs each test of the set (a sample request and the decision it must get) against the set's policies with the decision engine, as production decides; rate conditions see only the call itself. Writes nothing. A set that does not parse is a 400 naming the field.",
    tag: "Policies",
    auth: "admin",
    permission: "policies.write",
    orgTurn: "policy editing",
    body: policySetBodySchema,
    success: { status: 200, description: "Each test's expected and actual decision.", json: policyTestRunSchema },
  },
  {
    operationId: "simulatePolicies",
    method: "POST",
    path: "/v1/admin/policies/simulate",
    summary: "Replay a draft policy set against recent decisions",
    description:
      "Evaluates the draft against the org's recorded decisions of the last `days` days (at most 200,000, most recent first) and answers what would change: transitions, by action type and agent, with samples. Decisions made before policy are skipped; rate conditions see only the call itself; agents are as they are today. Writes nothing. Replays of one org take turns with its other long work: at most two at once per org and API process, the rest queue (at most 100, each for at most 30 s) and past it answer 429 with `Retry-After`.",
    tag: "Policies",
    auth: "admin",
    permission: "policies.write",
    body: simulatePoliciesBodySchema,
    success: { status: 200, description: "What the draft would have decided differently.", json: policySimulationSchema },
  },
] as const satisfies readonly RouteContract[];
