/**
 * `GatehouseAdmin`: the client of the admin API, with an org admin key. Each of its resources
 * (`admin.policies`, `admin.webhooks`, …) is one file of ./admin/: the resource's interface and a
 * `createAdminX(config)` that makes its calls over the client's transport. RESOURCES below lists them, in the
 * order they are shown (docs/architecture.md's SDK table among them); the class's fields are derived from it.
 *
 * Adding a resource is one new file in ./admin/ (its interface, its factory) and its line in RESOURCES; its
 * interface is then `GatehouseAdmin["x"]`, and a re-export below names it for the package (index.ts).
 */
import { resolveConfig, type ClientInternals, type ClientOptions } from "./config.ts";
import { subscribeEvents } from "./events.ts";
import { request, type TransportConfig } from "./request.ts";
import { scanContent } from "./scan.ts";
import type { Coverage, GatehouseEvent, Posture, RequestOptions, ScanInput, ScanResult, SubscribeOptions, WhoAmI } from "./types.ts";
import { createAdminAgents } from "./admin/agents.ts";
import { createAdminApprovals } from "./admin/approvals.ts";
import { createAdminAudit } from "./admin/audit.ts";
import { createAdminBudgets } from "./admin/budgets.ts";
import { createAdminDelegations } from "./admin/delegations.ts";
import { createAdminGrants } from "./admin/grants.ts";
import { createAdminHealth } from "./admin/health.ts";
import { createAdminReports } from "./admin/reports.ts";
import { createAdminInvitations } from "./admin/invitations.ts";
import { createAdminKeys } from "./admin/keys.ts";
import { createAdminMcp } from "./admin/mcp.ts";
import { createAdminMembers } from "./admin/members.ts";
import { createAdminOrg } from "./admin/org.ts";
import { createAdminPolicies } from "./admin/policies.ts";
import { createAdminRuns } from "./admin/runs.ts";
import { createAdminSettings } from "./admin/settings.ts";
import { createAdminSlack } from "./admin/slack.ts";
import { createAdminWebhooks } from "./admin/webhooks.ts";

export type { AdminAgentKeys, AdminAgents } from "./admin/agents.ts";
export type { AdminApprovals } from "./admin/approvals.ts";
export type { AdminAudit, AuditErasure, AuditErasurePending, AuditErasureRequest } from "./admin/audit.ts";
export type { AdminBudgets } from "./admin/budgets.ts";
export type { AdminDelegations } from "./admin/delegations.ts";
export type { AdminGrants } from "./admin/grants.ts";
export type { AdminHealth } from "./admin/health.ts";
export type { AdminReports, ReportPeriod } from "./admin/reports.ts";
export type { AdminInvitations } from "./admin/invitations.ts";
export type { AdminKeys } from "./admin/keys.ts";
export type { AdminMcp, AdminMcpGateways, AdminMcpServers } from "./admin/mcp.ts";
export type { AdminMembers } from "./admin/members.ts";
export type { AdminOrg } from "./admin/org.ts";
export type { AdminPolicies, AdminPolicyDraft } from "./admin/policies.ts";
export type { AdminRuns } from "./admin/runs.ts";
export type { AdminSettings } from "./admin/settings.ts";
export type { AdminSlack } from "./admin/slack.ts";
export type { AdminWebhooks } from "./admin/webhooks.ts";

/** Options of {@link GatehouseAdmin}. `apiKey` is an org admin key, `gh_admin_…`. */
export type GatehouseAdminOptions = ClientOptions;

/** The admin API's resources, each made over the client's transport, in the order they are listed. */
const RESOURCES = {
  policies: createAdminPolicies,
  approvals: createAdminApprovals,
  org: createAdminOrg,
  settings: createAdminSettings,
  members: createAdminMembers,
  invitations: createAdminInvitations,
  agents: createAdminAgents,
  keys: createAdminKeys,
  delegations: createAdminDelegations,
  runs: createAdminRuns,
  budgets: createAdminBudgets,
  webhooks: createAdminWebhooks,
  /** The hosted MCP gateway: `servers` and `gateways`. */
  mcp: createAdminMcp,
  grants: createAdminGrants,
  slack: createAdminSlack,
  health: createAdminHealth,
  /** Evidence reports drawn from the audit log: `article12()` and its printable `article12Html()`. */
  reports: createAdminReports,
  /** The org's whole audit log (see `Gatehouse.audit`), plus `rotateKey()` and `erase()`. */
  audit: createAdminAudit,
} satisfies Record<string, (config: TransportConfig) => object>;

/** The resources as the client's fields. */
export type GatehouseAdminResources = { readonly [K in keyof typeof RESOURCES]: ReturnType<(typeof RESOURCES)[K]> };

// The class's resource fields are this interface's: the constructor assigns every one of them, from the same object
// the interface is derived from, so none is ever left unset (what the lint rule guards against).
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- the merge is the point
export interface GatehouseAdmin extends GatehouseAdminResources {}

/**
 * A client of the Gatehouse admin API for scripts and the CLI, with an org admin key. What the
 * key may do follows its member's role. Same options, retries and errors as {@link Gatehouse}.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class GatehouseAdmin {
  readonly #config: TransportConfig;

  constructor(options: GatehouseAdminOptions, internals: ClientInternals = {}) {
    this.#config = resolveConfig(options, internals, {
      prefix: "gh_admin_",
      example: 'new GatehouseAdmin({ apiKey: "gh_admin_…" })',
      description: "org admin keys",
    });
    const config = this.#config;
    Object.assign(this, Object.fromEntries(Object.entries(RESOURCES).map(([name, create]) => [name, create(config)])));
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

  /**
   * How each agent's calls reach Gatehouse over the last 30 days (`GET /v1/coverage`): the integrations seen, model
   * calls through a wrapper against spend declared by hand, tool calls through an adapter against by hand. Any member
   * role (`agents.read`).
   */
  coverage(options: RequestOptions = {}): Promise<Coverage> {
    return request<Coverage>(this.#config, { method: "GET", path: "/v1/coverage", signal: options.signal });
  }

  /** Scans a text or a JSON value for secrets and personal data, storing nothing; see `Gatehouse.scan`. Any member role (`content.scan`). */
  scan(input: ScanInput, options: RequestOptions = {}): Promise<ScanResult> {
    return scanContent(this.#config, input, options);
  }
}
