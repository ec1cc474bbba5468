import type { AdminKey, AdminKeyList, Agent, ApiKeyList, ApiKeyView, CreatedAgent, IssueAdminKeyBody, IssuedAdminKey, IssuedAgentKey, RevokedKey } from "@gatehouse/contracts";
import { getJson, orgPath, postJson, request } from "./api-client";
import { formatDateTime } from "./format";

// /api/orgs/[orgSlug]/agents* and /keys* answer the API's shapes: the contracts' types (type-only:
// nothing of zod reaches the browser); the route handlers check at compile time that what
// @gatehouse/db returns fits them. Only the console's overview of an agent is its own.

export type { AdminKeyList, ApiKeyList, ApiKeyView, CreatedAgent, IssuedAdminKey, IssuedAgentKey, RevokedKey };
export type AdminKeyView = AdminKey;
export type AgentView = Agent;

/** An agent as the console lists it (listAgentOverviews in @gatehouse/db). */
export interface AgentOverview extends AgentView {
  keyCount: number;
  lastActivityAt: string | null;
  createdBy: { name: string; email: string } | null;
  /** The integrations its calls came through in the last 7 days (x-gatehouse-integration), most recent first. */
  integrations: AgentIntegration[];
  /** A model-calling framework in those 7 days, but no governed tool call. */
  toolCallsUngoverned: boolean;
  /** Its model and tool calls over the last 30 UTC days, as GET /v1/coverage counts them (docs/agents.md, Coverage). */
  calls: AgentCalls;
}

interface CallTally {
  count: number;
  lastSeenAt: string | null;
}

export interface AgentCalls {
  since: string;
  modelCalls: { wrapped: CallTally; declared: CallTally };
  toolCalls: { adapter: CallTally; direct: CallTally };
}

/**
 * An agent's calls as the agents page shows them: one line each for model and tool calls (none: "none"),
 * and whether its model calls bypass the wrappers (spend declared by hand: posture's coverage.unwrapped_model_calls).
 */
export function callCoverage(calls: AgentCalls): { model: string; tool: string; bypassesWrappers: boolean } {
  const { wrapped, declared } = calls.modelCalls;
  const { adapter, direct } = calls.toolCalls;
  const model = wrapped.count + declared.count === 0 ? "none" : `${wrapped.count} wrapped, ${declared.count} unwrapped`;
  const tool = adapter.count + direct.count === 0 ? "none" : `${adapter.count} via adapter, ${direct.count} by hand`;
  return { model, tool, bypassesWrappers: declared.count > 0 };
}

export interface AgentIntegration {
  name: string;
  label: string;
  version: string | null;
  lastSeenAt: string;
  lastToolCallAt: string | null;
}

export interface AgentList {
  agents: AgentOverview[];
}

export interface NewAgent {
  name: string;
  description?: string;
  labels: Record<string, string>;
}

/** The agent API's base URL when API_URL is not set (apps/api's default port); the snippets name it. */
export const DEFAULT_API_URL = "http://localhost:4000";

/** TanStack Query keys. */
export const agentKeys = {
  all: (orgSlug: string) => ["agents", orgSlug] as const,
  list: (orgSlug: string) => ["agents", orgSlug, "list"] as const,
  one: (orgSlug: string, agentId: string) => ["agents", orgSlug, "agent", agentId] as const,
  keys: (orgSlug: string, agentId: string) => ["agents", orgSlug, "agent", agentId, "keys"] as const,
  adminKeys: (orgSlug: string) => ["admin-keys", orgSlug] as const,
};

const base = orgPath;

export const fetchAgents = (orgSlug: string, signal?: AbortSignal) => getJson<AgentList>(`${base(orgSlug)}/agents`, signal);
export const fetchAgent = (orgSlug: string, agentId: string, signal?: AbortSignal) => getJson<AgentOverview>(`${base(orgSlug)}/agents/${encodeURIComponent(agentId)}`, signal);
export const createAgent = (orgSlug: string, body: NewAgent) => postJson<CreatedAgent>(`${base(orgSlug)}/agents`, body);
export const setAgentStatus = (orgSlug: string, agentId: string, verb: "halt" | "resume", reason: string) =>
  postJson<AgentView>(`${base(orgSlug)}/agents/${encodeURIComponent(agentId)}/${verb}`, reason ? { reason } : {});
export const fetchAgentKeys = (orgSlug: string, agentId: string, signal?: AbortSignal) =>
  getJson<ApiKeyList>(`${base(orgSlug)}/agents/${encodeURIComponent(agentId)}/keys`, signal);
export const issueAgentKey = (orgSlug: string, agentId: string, body: { name?: string; expiresInDays?: number }) =>
  postJson<IssuedAgentKey>(`${base(orgSlug)}/agents/${encodeURIComponent(agentId)}/keys`, body);
export const fetchAdminKeys = (orgSlug: string, signal?: AbortSignal) => getJson<AdminKeyList>(`${base(orgSlug)}/keys`, signal);
export const issueAdminKey = (orgSlug: string, body: Partial<IssueAdminKeyBody>) => postJson<IssuedAdminKey>(`${base(orgSlug)}/keys`, body);
export const revokeKey = (orgSlug: string, keyId: string) => request<RevokedKey>("POST", `${base(orgSlug)}/keys/${encodeURIComponent(keyId)}/revoke`);

/** "env=prod, team=payments": labels by key, so a list reads the same whatever order they were stored in. */
export function labelText(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key] ?? ""}`)
    .join(", ");
}

/** "3 days" from a form field: a whole number of days, or none. */
export function parseExpiryDays(value: string): number | undefined {
  const days = Number.parseInt(value, 10);
  return Number.isFinite(days) && days > 0 ? days : undefined;
}

/** The body of an "issue a key" request from its form's fields (NewKeyFields): an empty name or lifetime is left out. */
export function newKeyBody(form: FormData): { name?: string; expiresInDays?: number } {
  const name = String(form.get("name") ?? "").trim();
  const expiresInDays = parseExpiryDays(String(form.get("expiresInDays") ?? ""));
  return { ...(name ? { name } : {}), ...(expiresInDays ? { expiresInDays } : {}) };
}

/** "team=payments, env=prod" → { team: "payments", env: "prod" }; pairs without "=" are skipped. */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of text.split(/[,\n]/)) {
    const at = pair.indexOf("=");
    if (at <= 0) continue;
    const key = pair.slice(0, at).trim();
    if (key) labels[key] = pair.slice(at + 1).trim();
  }
  return labels;
}

/** The ready snippets shown with a new agent key: the SDK's gate(), curl and the CLI, with the real key and API URL. */
export function agentSnippets(apiUrl: string, apiKey: string | null): { sdk: string; curl: string; cli: string } {
  // Without the key at hand (it is shown once, when made; `npm start` prints the demo agent's), the snippets read it
  // from GATEHOUSE_API_KEY (the CLI's own variable; the SDK's snippet reads it) instead of a placeholder to edit.
  const fromEnv = apiKey === null;
  const sdk = [
    `import { Gatehouse } from "@gatehouse/sdk";`,
    ``,
    fromEnv
      ? `// The agent's key from GATEHOUSE_API_KEY (export it first: npm start printed the demo agent's).\nconst gatehouse = new Gatehouse({ apiKey: process.env.GATEHOUSE_API_KEY ?? "", baseUrl: "${apiUrl}" });`
      : `const gatehouse = new Gatehouse({ apiKey: "${apiKey}", baseUrl: "${apiUrl}" });`,
    `// Returns when the action is allowed, waiting while a person approves it; throws if it is denied.`,
    `const result = await gatehouse.gate("deploy.staging", { metadata: { service: "web" } });`,
    `console.log(result.status);`,
  ].join("\n");
  const curl = [
    `curl -sS -X POST ${apiUrl}/v1/actions \\`,
    `  -H "authorization: Bearer ${fromEnv ? "$GATEHOUSE_API_KEY" : apiKey}" \\`,
    `  -H "content-type: application/json" \\`,
    `  -d '{"actionType":"deploy.staging","metadata":{"service":"web"}}'`,
  ].join("\n");
  // The CLI is not on npm yet: from a clone it runs as `npm run gatehouse -- …`; installed from its
  // tarball (npm run pack:packages) or, once published, from @gatehouse/cli, it is `gatehouse …`.
  const cli = [
    `# This agent's decisions and approvals as they happen, from a clone of Gatehouse`,
    `# (with the CLI installed from its tarball, or once @gatehouse/cli is published: gatehouse tail …)`,
    `${fromEnv ? "" : `GATEHOUSE_API_KEY=${apiKey} `}npm run gatehouse -- tail --base-url ${apiUrl}`,
  ].join("\n");
  return { sdk, curl, cli };
}

/** "active", "active, expires …", "expired …" or "revoked …". */
export function keyState(key: { revokedAt: string | null; expiresAt: string | null }, now = Date.now()): string {
  if (key.revokedAt) return `revoked ${formatDateTime(key.revokedAt)}`;
  if (key.expiresAt && new Date(key.expiresAt).getTime() <= now) return `expired ${formatDateTime(key.expiresAt)}`;
  return key.expiresAt ? `active, expires ${formatDateTime(key.expiresAt)}` : "active";
}

/** How each presence reads (docs/agents.md, Presence): its tone and what it means, for a pill's title. */
export const PRESENCE: Record<AgentView["presence"], { tone: "ok" | "bad" | "warn" | "muted"; title: string }> = {
  live: { tone: "ok", title: "It called or sent a heartbeat within its last few beats." },
  idle: { tone: "muted", title: "Not seen lately, and no heartbeat session open: nothing expected of it now." },
  unresponsive: { tone: "bad", title: "Its heartbeat session is open but it missed its beats: it stopped answering, perhaps mid-run." },
  halted: { tone: "bad", title: "Halted: every call is denied until a member resumes it." },
};

/** Who halted an agent, in words ("by ana@example.com", "by the loop detector"); empty when not halted. */
export function haltedByText(agent: Pick<AgentView, "haltedBy">): string {
  const by = agent.haltedBy;
  if (!by) return "";
  if (by.type === "system") return ` by the system (${by.name})`;
  return by.email ? ` by ${by.email}` : " by a former member";
}
