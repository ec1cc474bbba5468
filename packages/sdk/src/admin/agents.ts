/** `admin.agents`: the org's agents, halting and resuming them, and their API keys (`admin.agents.keys`). */
import { request, type TransportConfig } from "../request.ts";
import type { Agent, AgentStatusOptions, ApiKey, CreateAgentRequest, CreatedAgent, IssueAgentKeyOptions, IssuedAgentKey, RequestOptions } from "../types.ts";
import { onceKey } from "./once-key.ts";

/** An agent's API keys (`keys.manage`: owners, admins). */
export interface AdminAgentKeys {
  /** The agent's keys (`agt_…`), without secrets, oldest first; revoked and expired ones included. */
  list(agentId: string, options?: RequestOptions): Promise<ApiKey[]>;
  /**
   * Issues another key for the agent (for rotation); the answer's `apiKey` is shown once, store it
   * then. Each call sends an `Idempotency-Key`, so a retry of a call whose answer was lost gets a
   * fresh secret for the same key, never a second key. Revoke the old key with `admin.keys.revoke`.
   */
  issue(agentId: string, options?: IssueAgentKeyOptions): Promise<IssuedAgentKey>;
}

/**
 * The org's agents: every member may list them; creating, halting and resuming needs
 * `agents.manage` (owners, admins), their keys `keys.manage`. Another org's agent is `NotFoundError`.
 */
export interface AdminAgents {
  /** The org's agents by name. */
  list(options?: RequestOptions): Promise<Agent[]>;
  /**
   * Creates an agent with its first key; the answer's `apiKey` is shown once, store it then. A name
   * the org already has is a `ConflictError`, a bad one a `BadRequestError` naming the field. Each call
   * sends an `Idempotency-Key`, so a retry of a call whose answer was lost answers the same agent
   * with a fresh secret for its first key, never a second agent.
   */
  create(agent: CreateAgentRequest, options?: RequestOptions): Promise<CreatedAgent>;
  /** Halts an agent: every decision of it is denied (`AGENT_HALTED`) from its next call, and its pending approvals are cancelled. Halting twice is harmless. */
  halt(agentId: string, options?: AgentStatusOptions): Promise<Agent>;
  /** Resumes a halted agent. Resuming an active agent is harmless. */
  resume(agentId: string, options?: AgentStatusOptions): Promise<Agent>;
  /** The agent's keys. */
  readonly keys: AdminAgentKeys;
}

export function createAdminAgents(config: TransportConfig): AdminAgents {
  const agentPath = (agentId: string, tail = "") => `/v1/admin/agents/${encodeURIComponent(agentId)}${tail}`;
  const setStatus = (agentId: string, action: "halt" | "resume", options: AgentStatusOptions): Promise<Agent> =>
    request<Agent>(config, {
      method: "POST",
      path: agentPath(agentId, `/${action}`),
      body: options.reason === undefined ? {} : { reason: options.reason },
      signal: options.signal,
    });
  return {
    list: async (options = {}) => (await request<{ agents: Agent[] }>(config, { method: "GET", path: "/v1/admin/agents", signal: options.signal })).agents,
    create: (agent, options = {}) =>
      request<CreatedAgent>(config, {
        method: "POST",
        path: "/v1/admin/agents",
        body: {
          name: agent.name,
          ...(agent.description === undefined ? {} : { description: agent.description }),
          ...(agent.labels === undefined ? {} : { labels: agent.labels }),
        },
        headers: onceKey(),
        signal: options.signal,
      }),
    halt: (agentId, options = {}) => setStatus(agentId, "halt", options),
    resume: (agentId, options = {}) => setStatus(agentId, "resume", options),
    keys: {
      list: async (agentId, options = {}) => (await request<{ keys: ApiKey[] }>(config, { method: "GET", path: agentPath(agentId, "/keys"), signal: options.signal })).keys,
      issue: (agentId, options = {}) =>
        request<IssuedAgentKey>(config, {
          method: "POST",
          path: agentPath(agentId, "/keys"),
          body: {
            ...(options.name === undefined ? {} : { name: options.name }),
            ...(options.expiresInDays === undefined ? {} : { expiresInDays: options.expiresInDays }),
          },
          headers: onceKey(),
          signal: options.signal,
        }),
    },
  };
}
