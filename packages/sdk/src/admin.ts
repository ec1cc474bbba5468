import { createAdminAudit, type AdminAudit } from "./audit.ts";
import { resolveConfig, type ClientInternals, type ClientOptions } from "./config.ts";
import { subscribeEvents } from "./events.ts";
import { request, type TransportConfig } from "./request.ts";
import type {
  ApplyPoliciesOptions,
  Approval,
  ApprovalList,
  DecideApprovalOptions,
  GatehouseEvent,
  ListApprovalsOptions,
  PolicyDocument,
  PolicySetDiff,
  RequestOptions,
  StoredPolicyList,
  SubscribeOptions,
  WhoAmI,
} from "./types.ts";

/** Options of {@link GatehouseAdmin}. `apiKey` is an org admin key, `gh_admin_…`. */
export type GatehouseAdminOptions = ClientOptions;

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
}

/**
 * The org's approvals. Voting is as the key's member, with that member's role and
 * separation-of-duties limits (403); voting on a decided or expired approval is a `ConflictError`.
 */
export interface AdminApprovals {
  /** A page of approvals, newest first: `{ approvals, nextCursor }`. */
  list(options?: ListApprovalsOptions): Promise<ApprovalList>;
  /** One approval. */
  get(approvalId: string, options?: RequestOptions): Promise<Approval>;
  /** Votes to approve; the approval is approved (and the action executed) once its quorum is reached. Answers the approval as it then stands. */
  approve(approvalId: string, options?: DecideApprovalOptions): Promise<Approval>;
  /** Votes to deny, which denies the approval at once (a veto). Answers the approval as it then stands. */
  deny(approvalId: string, options?: DecideApprovalOptions): Promise<Approval>;
}

/**
 * A client of the Gatehouse admin API for scripts and the CLI, with an org admin key. What the
 * key may do follows its member's role. Same options, retries and errors as {@link Gatehouse}.
 */
export class GatehouseAdmin {
  readonly #config: TransportConfig;
  readonly policies: AdminPolicies;
  readonly approvals: AdminApprovals;
  /** The org's whole audit log (see `Gatehouse.audit`), plus `rotateKey()`. */
  readonly audit: AdminAudit;

  constructor(options: GatehouseAdminOptions, internals: ClientInternals = {}) {
    this.#config = resolveConfig(options, internals, {
      prefix: "gh_admin_",
      example: 'new GatehouseAdmin({ apiKey: "gh_admin_…" })',
      description: "org admin keys",
    });
    const config = this.#config;
    this.audit = createAdminAudit(config);
    this.policies = {
      list: (options = {}) => request<StoredPolicyList>(config, { method: "GET", path: "/v1/admin/policies", signal: options.signal }),
      apply: (policies, options = {}) =>
        request<PolicySetDiff>(config, {
          method: "PUT",
          path: options.dryRun === true ? "/v1/admin/policies?dryRun=true" : "/v1/admin/policies",
          body: { policies },
          signal: options.signal,
        }),
    };
    const decide = (approvalId: string, decision: "approve" | "deny", options: DecideApprovalOptions): Promise<Approval> =>
      request<Approval>(config, {
        method: "POST",
        path: `/v1/admin/approvals/${encodeURIComponent(approvalId)}/decision`,
        body: { decision, reason: options.reason },
        signal: options.signal,
      });
    this.approvals = {
      list: (options = {}) => request<ApprovalList>(config, { method: "GET", path: `/v1/admin/approvals${listQuery(options)}`, signal: options.signal }),
      get: (approvalId, options = {}) => request<Approval>(config, { method: "GET", path: `/v1/admin/approvals/${encodeURIComponent(approvalId)}`, signal: options.signal }),
      approve: (approvalId, options = {}) => decide(approvalId, "approve", options),
      deny: (approvalId, options = {}) => decide(approvalId, "deny", options),
    };
  }

  /** The org's events as they happen; see `Gatehouse.subscribe`. */
  subscribe(options: SubscribeOptions = {}): AsyncIterable<GatehouseEvent> {
    return subscribeEvents(this.#config, options);
  }

  /** The organization, member and key behind this client's API key. */
  whoami(options: RequestOptions = {}): Promise<WhoAmI> {
    return request<WhoAmI>(this.#config, { method: "GET", path: "/v1/whoami", signal: options.signal });
  }
}

/** `?status=…&agentId=…` from the options that are set, in a stable order; `""` when none is. */
function listQuery(options: ListApprovalsOptions): string {
  const query = new URLSearchParams();
  for (const name of ["status", "agentId", "actionType", "cursor", "limit"] as const) {
    const value = options[name];
    if (value !== undefined) query.set(name, String(value));
  }
  const text = query.toString();
  return text === "" ? "" : `?${text}`;
}
