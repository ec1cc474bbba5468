/**
 * `GatehouseAdmin`: the client of the admin API, with an org admin key. Each of its resources
 * (`admin.policies`, `admin.webhooks`, …) is one file of ./admin/: the resource's interface and a
 * `createAdminX(config)` that makes its calls over the client's transport. This class only declares
 * and wires them, in the order the field declarations give (the order the resources are listed in,
 * docs/architecture.md's SDK table among them).
 *
 * Adding a resource is one new file in ./admin/ (its interface, its factory), its field and its
 * `this.x = createAdminX(config)` line here, and its interface in the re-exports below; index.ts lists
 * the ones the package exports, one name each.
 */
import { resolveConfig, type ClientInternals, type ClientOptions } from "./config.ts";
import { subscribeEvents } from "./events.ts";
import { request, type TransportConfig } from "./request.ts";
import type { GatehouseEvent, Posture, RequestOptions, SubscribeOptions, WhoAmI } from "./types.ts";
import { createAdminAgents, type AdminAgents } from "./admin/agents.ts";
import { createAdminApprovals, type AdminApprovals } from "./admin/approvals.ts";
import { createAdminAudit, type AdminAudit } from "./admin/audit.ts";
import { createAdminBudgets, type AdminBudgets } from "./admin/budgets.ts";
import { createAdminDelegations, type AdminDelegations } from "./admin/delegations.ts";
import { createAdminGrants, type AdminGrants } from "./admin/grants.ts";
import { createAdminInvitations, type AdminInvitations } from "./admin/invitations.ts";
import { createAdminKeys, type AdminKeys } from "./admin/keys.ts";
import { createAdminMembers, type AdminMembers } from "./admin/members.ts";
import { createAdminOrg, type AdminOrg } from "./admin/org.ts";
import { createAdminPolicies, type AdminPolicies } from "./admin/policies.ts";
import { createAdminRuns, type AdminRuns } from "./admin/runs.ts";
import { createAdminSettings, type AdminSettings } from "./admin/settings.ts";
import { createAdminSlack, type AdminSlack } from "./admin/slack.ts";
import { createAdminWebhooks, type AdminWebhooks } from "./admin/webhooks.ts";

export type { AdminAgentKeys, AdminAgents } from "./admin/agents.ts";
export type { AdminApprovals } from "./admin/approvals.ts";
export type { AdminAudit, AuditErasure, AuditErasurePending, AuditErasureRequest } from "./admin/audit.ts";
export type { AdminBudgets } from "./admin/budgets.ts";
export type { AdminDelegations } from "./admin/delegations.ts";
export type { AdminGrants } from "./admin/grants.ts";
export type { AdminInvitations } from "./admin/invitations.ts";
export type { AdminKeys } from "./admin/keys.ts";
export type { AdminMembers } from "./admin/members.ts";
export type { AdminOrg } from "./admin/org.ts";
export type { AdminPolicies, AdminPolicyDraft } from "./admin/policies.ts";
export type { AdminRuns } from "./admin/runs.ts";
export type { AdminSettings } from "./admin/settings.ts";
export type { AdminSlack } from "./admin/slack.ts";
export type { AdminWebhooks } from "./admin/webhooks.ts";

/** Options of {@link GatehouseAdmin}. `apiKey` is an org admin key, `gh_admin_…`. */
export type GatehouseAdminOptions = ClientOptions;

/**
 * A client of the Gatehouse admin API for scripts and the CLI, with an org admin key. What the
 * key may do follows its member's role. Same options, retries and errors as {@link Gatehouse}.
 */
export class GatehouseAdmin {
  readonly #config: TransportConfig;
  readonly policies: AdminPolicies;
  readonly approvals: AdminApprovals;
  readonly org: AdminOrg;
  readonly settings: AdminSettings;
  readonly members: AdminMembers;
  readonly invitations: AdminInvitations;
  readonly agents: AdminAgents;
  readonly keys: AdminKeys;
  readonly delegations: AdminDelegations;
  readonly runs: AdminRuns;
  readonly budgets: AdminBudgets;
  readonly webhooks: AdminWebhooks;
  readonly grants: AdminGrants;
  readonly slack: AdminSlack;
  /** The org's whole audit log (see `Gatehouse.audit`), plus `rotateKey()` and `erase()`. */
  readonly audit: AdminAudit;

  constructor(options: GatehouseAdminOptions, internals: ClientInternals = {}) {
    this.#config = resolveConfig(options, internals, {
      prefix: "gh_admin_",
      example: 'new GatehouseAdmin({ apiKey: "gh_admin_…" })',
      description: "org admin keys",
    });
    const config = this.#config;
    this.policies = createAdminPolicies(config);
    this.approvals = createAdminApprovals(config);
    this.org = createAdminOrg(config);
    this.settings = createAdminSettings(config);
    this.members = createAdminMembers(config);
    this.invitations = createAdminInvitations(config);
    this.agents = createAdminAgents(config);
    this.keys = createAdminKeys(config);
    this.delegations = createAdminDelegations(config);
    this.runs = createAdminRuns(config);
    this.budgets = createAdminBudgets(config);
    this.webhooks = createAdminWebhooks(config);
    this.grants = createAdminGrants(config);
    this.slack = createAdminSlack(config);
    this.audit = createAdminAudit(config);
  }

  /** The org's events as they happen; see `Gatehouse.subscribe`. */
  subscribe(options: SubscribeOptions = {}): AsyncIterable<GatehouseEvent> {
    return subscribeEvents(this.#config, options);
  }

  /** The organization, member and key behind this client's API key. */
  whoami(options: RequestOptions = {}): Promise<WhoAmI> {
    return request<WhoAmI>(this.#config, { method: "GET", path: "/v1/whoami", signal: options.signal });
  }

  /** The org's posture score (`GET /v1/posture`): 0–100, four components of 25, each deduction a finding with its fix. */
  posture(options: RequestOptions = {}): Promise<Posture> {
    return request<Posture>(this.#config, { method: "GET", path: "/v1/posture", signal: options.signal });
  }
}
