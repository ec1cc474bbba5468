/** `admin.policies`: the org's policy set, its draft, its versions, and the checks run against a set before it goes live. */
import { request, type TransportConfig } from "../request.ts";
import type {
  ApplyPoliciesOptions,
  PolicyDocument,
  PolicyDraft,
  PolicyLibrary,
  PolicyMonitor,
  PolicyPublishOutcome,
  PolicySetDiff,
  PolicySimulation,
  PolicyTestCaseInput,
  PolicyTestRun,
  PolicyVersionList,
  RequestOptions,
  SavePolicyDraftRequest,
  SimulatePoliciesOptions,
  StoredPolicyList,
} from "../types.ts";

/** The org's policy set. */
export interface AdminPolicies {
  /** The active policies, each with its version, content hash and version id, in name order. */
  list(options?: RequestOptions): Promise<StoredPolicyList>;
  /**
   * Makes `policies` the org's active set: new names are created, changed ones get a new version,
   * active ones missing from the set are archived, identical ones stay as they are. With `dryRun`,
   * only the diff. Declarative, so safe to retry and to repeat. A set the server rejects throws
   * `BadRequestError` whose `details.issues` lists `{ path, message }` per problem.
   */
  apply(policies: readonly PolicyDocument[], options?: ApplyPoliciesOptions): Promise<PolicySetDiff>;
  /**
   * What monitor-mode policies and the org's report-only trial would have blocked (denied or held
   * for approval) over the last `days` UTC days (1–90, default 7): `{ days, series: [{ at,
   * wouldBlock }], byPolicy: [{ policy, decided, wouldBlock }] }`.
   */
  monitor(days?: number, options?: RequestOptions): Promise<PolicyMonitor>;

  /**
   * The policy template library: `{ templates, packs }`. Each template's policies (named
   * `<template id>.…`, defaults filled in) can be added to a set as they are, with its tests.
   */
  library(options?: RequestOptions): Promise<PolicyLibrary>;

  /** Runs `tests` against `policies` on the server, with the engine that decides; writes nothing. A set that does not parse throws `BadRequestError`. */
  test(policies: readonly PolicyDocument[], tests: readonly PolicyTestCaseInput[], options?: RequestOptions): Promise<PolicyTestRun>;
  /** Replays a draft set against the org's decisions of the last `days` days (default 7): what would change, by transition, action type and agent, with samples. Writes nothing. */
  simulate(policies: readonly PolicyDocument[], options?: SimulatePoliciesOptions): Promise<PolicySimulation>;

  /** The org's draft: the set as its writers edit it (YAML or JSON text), not live until published. Needs `policies.write`. */
  readonly draft: AdminPolicyDraft;
  /** A policy's versions, newest first, with who published each. An unknown name is a `NotFoundError`. */
  versions(name: string, options?: RequestOptions): Promise<PolicyVersionList>;
}

/** The org's policy draft. Every save names the revision it started from; another save since is a `ConflictError` (409) naming `revision`. */
export interface AdminPolicyDraft {
  /** The draft; with none stored, the active set and its tests as YAML at revision 0. */
  get(options?: RequestOptions): Promise<PolicyDraft>;
  /** Saves the draft as written (at most 1 MB); answers it at its new revision. */
  save(draft: SavePolicyDraftRequest, options?: RequestOptions): Promise<PolicyDraft>;
  /** Discards the draft; answers the active set at revision 0. */
  discard(options?: RequestOptions): Promise<PolicyDraft>;
  /**
   * Publishes the draft at `revision`: `{ status: "published", diff }`, or, when the org requires a
   * second admin's approval, `{ status: "pending_approval", approvalId }` (another owner or admin
   * approves it with `approvals.approve`). A parse error or a failing test throws `BadRequestError`
   * whose `details.issues` are `{ path, message, line }`.
   */
  publish(revision: number, options?: RequestOptions): Promise<PolicyPublishOutcome>;
}

export function createAdminPolicies(config: TransportConfig): AdminPolicies {
  return {
    list: (options = {}) => request<StoredPolicyList>(config, { method: "GET", path: "/v1/admin/policies", signal: options.signal }),
    apply: (policies, options = {}) =>
      request<PolicySetDiff>(config, {
        method: "PUT",
        path: options.dryRun === true ? "/v1/admin/policies?dryRun=true" : "/v1/admin/policies",
        body: options.tests === undefined ? { policies } : { policies, tests: options.tests },
        signal: options.signal,
      }),
    test: (policies, tests, options = {}) => request<PolicyTestRun>(config, { method: "POST", path: "/v1/admin/policies/test", body: { policies, tests }, signal: options.signal }),
    simulate: (policies, options = {}) =>
      request<PolicySimulation>(config, {
        method: "POST",
        path: "/v1/admin/policies/simulate",
        body: options.days === undefined ? { policies } : { policies, days: options.days },
        signal: options.signal,
      }),
    monitor: (days, options = {}) =>
      request<PolicyMonitor>(config, {
        method: "GET",
        path: days === undefined ? "/v1/admin/policies/monitor" : `/v1/admin/policies/monitor?days=${encodeURIComponent(String(days))}`,
        signal: options.signal,
      }),
    library: (options = {}) => request<PolicyLibrary>(config, { method: "GET", path: "/v1/admin/policies/library", signal: options.signal }),
    draft: {
      get: (options = {}) => request<PolicyDraft>(config, { method: "GET", path: "/v1/admin/policies/draft", signal: options.signal }),
      save: (draft, options = {}) =>
        request<PolicyDraft>(config, {
          method: "PUT",
          path: "/v1/admin/policies/draft",
          body: { source: draft.source, format: draft.format, revision: draft.revision },
          signal: options.signal,
        }),
      discard: (options = {}) => request<PolicyDraft>(config, { method: "DELETE", path: "/v1/admin/policies/draft", signal: options.signal }),
      publish: (revision, options = {}) =>
        request<PolicyPublishOutcome>(config, { method: "POST", path: "/v1/admin/policies/draft/publish", body: { revision }, signal: options.signal }),
    },
    versions: (name, options = {}) =>
      request<PolicyVersionList>(config, { method: "GET", path: `/v1/admin/policies/${encodeURIComponent(name)}/versions`, signal: options.signal }),
  };
}
