import { createAdminAudit, type AdminAudit } from "./audit.ts";
import { resolveConfig, type ClientInternals, type ClientOptions } from "./config.ts";
import { subscribeEvents } from "./events.ts";
import { query, request, type TransportConfig } from "./request.ts";
import type {
  AdminKey,
  Agent,
  AgentStatusOptions,
  ApiKey,
  ApplyPoliciesOptions,
  Approval,
  ApprovalList,
  BulkApprovalDecision,
  ClosedOrg,
  CreateAgentRequest,
  CreatedAgent,
  CreatedInvitation,
  CreateInvitationOptions,
  DecideApprovalOptions,
  DelegationTree,
  GatehouseEvent,
  Invitation,
  IssueAdminKeyRequest,
  IssueAgentKeyOptions,
  IssuedAdminKey,
  IssuedAgentKey,
  ListApprovalsOptions,
  ListRunsOptions,
  Member,
  MemberRole,
  Org,
  OrgSettings,
  SettingsChangePending,
  PolicyDocument,
  PolicyLibrary,
  PolicySetDiff,
  PolicySimulation,
  PolicyTestCaseInput,
  PolicyTestRun,
  RemovedMember,
  RequestOptions,
  Run,
  RunDetail,
  PriceList,
  Budget,
  RevokedDelegations,
  RevokedKey,
  SimulatePoliciesOptions,
  StoredPolicyList,
  SubscribeOptions,
  UpdateOrgRequest,
  UpdateSettingsRequest,
  WhoAmI,
  Posture,
  PolicyMonitor,
  PolicyDraft,
  PolicyPublishOutcome,
  PolicyVersionList,
  SavePolicyDraftRequest,
  WebhookEndpoint,
  CreatedWebhook,
  WebhookDelivery,
  CreateWebhookRequest,
  UpdateWebhookRequest,
  StandingGrant,
  StandingGrantRequest,
  GrantedApproval,
  SlackConnection,
  SlackConnectionPending,
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
  /**
   * The same vote on several approvals at once (1 to 1,000 ids), each under the same rules as one
   * vote: the requester cannot approve their own request, a member votes once whatever key they use,
   * and a quorum counts distinct people. A refused vote never fails the others: it is that id's
   * `error` in `results`, in the order sent. Repeating one's own vote answers the approval as it is,
   * so a retry is safe.
   */
  decideMany(approvalIds: readonly string[], decision: "approve" | "deny", options?: DecideApprovalOptions): Promise<BulkApprovalDecision>;
  /**
   * Approves with a standing grant (docs/approvals.md): this request, and later calls of the same action by
   * the same agent whose metadata contains `match` (this request's metadata unless given), for
   * `durationSeconds` and at most `uses` calls, within the org's `grants` settings.
   */
  grant(approvalId: string, grant: StandingGrantRequest, options?: RequestOptions): Promise<GrantedApproval>;
}

/** Standing grants: the live ones (or all), and revoking one (the granter, or an owner or admin). */
export interface AdminGrants {
  list(options?: RequestOptions & { status?: "active" | "all" }): Promise<StandingGrant[]>;
  /** At once: the next call it would have covered waits for a person again, on every API process. */
  revoke(grantId: string, options?: RequestOptions): Promise<StandingGrant>;
}

/** The org's Slack app (docs/approvals.md, Slack; `integrations.manage`). */
export interface AdminSlack {
  get(options?: RequestOptions): Promise<SlackConnection>;
  /**
   * Slack must accept the bot token; both secrets are stored encrypted and never answered. The app is
   * `pending` until Slack proves its signing secret (set the app's Event Subscriptions Request URL to
   * `eventsPath`). While the org's two-admin rule is in force nothing changes yet: the answer is
   * `{ status: "pending_approval", approvalId }`, for another owner or admin to approve.
   */
  connect(app: { botToken: string; signingSecret: string }, options?: RequestOptions): Promise<SlackConnection | SlackConnectionPending>;
  disconnect(options?: RequestOptions): Promise<SlackConnection>;
}

/** The org of the key: every member may read it; renaming it and changing its slug is for owners. */
export interface AdminOrg {
  /** Its id, slug, name and member count. */
  get(options?: RequestOptions): Promise<Org>;
  /** A new name, a new slug, or both. A slug another org has is a `ConflictError`; bad input a `BadRequestError` naming the field. Safe to retry. */
  update(changes: UpdateOrgRequest, options?: RequestOptions): Promise<Org>;
  /**
   * Closes the org for good (owners only): `confirm` must be its slug, typed out (else a
   * `BadRequestError` naming `confirm`). Every key of the org, this client's included, stops
   * working; pending approvals are cancelled; owners keep read-only access to the audit log in the
   * console. There is no reopening.
   */
  close(confirmation: { confirm: string }, options?: RequestOptions): Promise<ClosedOrg>;
}

/** The org's settings: every member may read them; changing them needs `settings.write` (owners, admins). */
export interface AdminSettings {
  /** The circuit-breaker thresholds and the default approval timeout. */
  get(options?: RequestOptions): Promise<OrgSettings>;
  /**
   * Changes some settings (merged onto the current ones) and answers them; bad values are a
   * `BadRequestError` naming the field. Safe to retry. While the two-admin rule is on, a change that
   * weakens enforcement answers `{ status: "pending_approval", approvalId, weakened }` instead and is
   * applied when another owner or admin approves it (a retry answers the same approval).
   */
  update(changes: UpdateSettingsRequest, options?: RequestOptions): Promise<OrgSettings | SettingsChangePending>;
}

/**
 * The org's members. Changing a role or removing a member needs a role ranking at least as high as
 * theirs (and as the new role): otherwise `PermissionDeniedError`. The last owner can neither be
 * demoted nor removed (`ConflictError`).
 */
export interface AdminMembers {
  /** The current members, owners first. */
  list(options?: RequestOptions): Promise<Member[]>;
  /** Gives a member (by membership id, `mem_…`) a new role; their admin keys act with it from their next request. Safe to retry. */
  update(membershipId: string, changes: { role: MemberRole }, options?: RequestOptions): Promise<Member>;
  /** Removes a member and revokes their admin keys. A retry after a success answers `NotFoundError` (they are gone). */
  remove(membershipId: string, options?: RequestOptions): Promise<RemovedMember>;
}

/** The org's invitations. */
export interface AdminInvitations {
  /** The pending invitations, newest first. */
  list(options?: RequestOptions): Promise<Invitation[]>;
  /**
   * Invites `email` with `role` (at most the key's member's). The accept link is mailed to the invitee
   * only; the answer says whether the mail went out (`emailSent`), never the link. Each call sends an
   * `Idempotency-Key`, so a retry of a call whose answer was lost gets the same invitation (and mails a
   * fresh link), never a second invitation.
   */
  create(invitation: { email: string; role: MemberRole }, options?: CreateInvitationOptions): Promise<CreatedInvitation>;
  /** Revokes an invitation (`inv_…`): its link stops working. Revoking twice is harmless. */
  revoke(invitationId: string, options?: RequestOptions): Promise<Invitation>;
}

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

/**
 * Members' personal admin keys (`keys.manage`: owners, admins). A key acts with its member's role at
 * each request: a demotion or a removal takes effect at once.
 */
export interface AdminKeys {
  /** The key's member's own admin keys and those of members whose role theirs ranks at least as high as (an owner sees everyone's), newest first. */
  list(options?: RequestOptions): Promise<AdminKey[]>;
  /**
   * Issues a personal admin key of the key's member; the answer's `apiKey` is shown once, store it
   * then. Each call sends an `Idempotency-Key`, so a retry of a call whose answer was lost gets a
   * fresh secret for the same key, never a second key.
   */
  issue(key?: IssueAdminKeyRequest, options?: RequestOptions): Promise<IssuedAdminKey>;
  /**
   * Revokes a key (`key_…`: an agent's, or a member's admin key of a role ranking at most the
   * caller's, else `PermissionDeniedError`). It stops working at its next request on every
   * instance. Revoking twice is harmless.
   */
  revoke(keyId: string, options?: RequestOptions): Promise<RevokedKey>;
}

/** The org's delegations: an agent's tree (every member may read it), and revoking (`delegations.revoke`: owners, admins). */
export interface AdminDelegations {
  /**
   * Every delegation below an agent (`agt_…`), at every depth, revoked and expired ones included,
   * by depth then creation: `{ agentId, delegations }`, each with its `parentDelegationId` (`null`
   * for the agent's own) to draw the tree from. Another org's agent is a `NotFoundError`.
   */
  tree(agentId: string, options?: RequestOptions): Promise<DelegationTree>;
  /**
   * Revokes a delegation (`dlg_…`) and, in the same transaction, every delegation below it: their
   * keys stop at their next call on every instance, their pending approvals are cancelled. Answers
   * the ids revoked; revoking again answers an empty list, so it is safe to retry.
   */
  revoke(delegationId: string, options?: RequestOptions): Promise<RevokedDelegations>;
}

/** The org's runs (docs/runs.md): every member may read them. */
export interface AdminRuns {
  /** The org's runs, the most recently active first, one page at a time; `agentId` narrows them to one agent's. */
  list(options?: ListRunsOptions & { agentId?: string }): Promise<{ runs: Run[]; nextCursor: string | null }>;
  /** One run by its id (`run_…`) with its timeline: decisions, approvals with who voted, outcomes, its end. */
  get(runId: string, options?: RequestOptions): Promise<RunDetail>;
}

/** Budgets (docs/budgets.md): what each has spent and holds in reserve; for members with `posture.read`. */
export interface AdminBudgets {
  /** Each budget's count for its period, the most recently touched first, with the limit its policy states now. */
  list(options?: RequestOptions & { limit?: number }): Promise<{ budgets: Budget[] }>;
  /** The prices model calls are counted at, and the org's own (set them with `settings.update({ spend: { priceOverrides } })`). */
  prices(options?: RequestOptions): Promise<PriceList>;
}

/**
 * The org's webhook endpoints (docs/webhooks.md; `integrations.manage`: owners, admins). Events are
 * POSTed per the Standard Webhooks spec; verify them with any Standard Webhooks library and the secret.
 */
export interface AdminWebhooks {
  /** The endpoints, newest first, each with its state (paused and why, failed attempts, backlog). */
  list(options?: RequestOptions): Promise<WebhookEndpoint[]>;
  /** Adds an endpoint that receives the events from now on; the `whsec_` secret is answered once. */
  create(endpoint: CreateWebhookRequest, options?: RequestOptions): Promise<CreatedWebhook>;
  get(webhookId: string, options?: RequestOptions): Promise<WebhookEndpoint>;
  /** Changes its URL, events or description; `enabled: false` pauses it, `true` resumes it from the first message it missed. */
  update(webhookId: string, changes: UpdateWebhookRequest, options?: RequestOptions): Promise<WebhookEndpoint>;
  delete(webhookId: string, options?: RequestOptions): Promise<WebhookEndpoint>;
  /** A new secret, answered once; the old one signs beside it for `overlapSeconds` (a day by default). */
  rotateSecret(webhookId: string, options?: RequestOptions & { overlapSeconds?: number }): Promise<CreatedWebhook>;
  /** Its delivery log, newest first, a page at a time. */
  deliveries(webhookId: string, options?: RequestOptions & { cursor?: string; limit?: number }): Promise<{ deliveries: WebhookDelivery[]; nextCursor: string | null }>;
  /** Sends a logged message again (same `webhook-id`), answered with the attempt. */
  redeliver(webhookId: string, deliveryId: string, options?: RequestOptions): Promise<WebhookDelivery>;
  /** Sends a signed `webhook.test` message now, answered with the attempt. */
  test(webhookId: string, options?: RequestOptions): Promise<WebhookDelivery>;
}

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
          body: options.tests === undefined ? { policies } : { policies, tests: options.tests },
          signal: options.signal,
        }),
      test: (policies, tests, options = {}) =>
        request<PolicyTestRun>(config, { method: "POST", path: "/v1/admin/policies/test", body: { policies, tests }, signal: options.signal }),
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
      decideMany: (approvalIds, decision, options = {}) =>
        request<BulkApprovalDecision>(config, {
          method: "POST",
          path: "/v1/admin/approvals/decision",
          body: { approvalIds: [...approvalIds], decision, reason: options.reason },
          signal: options.signal,
        }),
      grant: (approvalId, grant, options = {}) =>
        request<GrantedApproval>(config, { method: "POST", path: `/v1/admin/approvals/${encodeURIComponent(approvalId)}/grant`, body: grant, signal: options.signal }),
    };
    this.grants = {
      list: async (options = {}) =>
        (await request<{ grants: StandingGrant[] }>(config, { method: "GET", path: `/v1/admin/grants${query({ status: options.status })}`, signal: options.signal })).grants,
      revoke: (grantId, options = {}) => request<StandingGrant>(config, { method: "DELETE", path: `/v1/admin/grants/${encodeURIComponent(grantId)}`, signal: options.signal }),
    };
    this.slack = {
      get: (options = {}) => request<SlackConnection>(config, { method: "GET", path: "/v1/admin/integrations/slack", signal: options.signal }),
      connect: (app, options = {}) =>
        request<SlackConnection | SlackConnectionPending>(config, {
          method: "PUT",
          path: "/v1/admin/integrations/slack",
          body: { botToken: app.botToken, signingSecret: app.signingSecret },
          signal: options.signal,
        }),
      disconnect: (options = {}) => request<SlackConnection>(config, { method: "DELETE", path: "/v1/admin/integrations/slack", signal: options.signal }),
    };
    this.org = {
      get: (options = {}) => request<Org>(config, { method: "GET", path: "/v1/admin/org", signal: options.signal }),
      update: (changes, options = {}) => request<Org>(config, { method: "PATCH", path: "/v1/admin/org", body: changes, signal: options.signal }),
      close: (confirmation, options = {}) =>
        request<ClosedOrg>(config, { method: "POST", path: "/v1/admin/org/close", body: { confirm: confirmation.confirm }, signal: options.signal }),
    };
    this.settings = {
      get: (options = {}) => request<OrgSettings>(config, { method: "GET", path: "/v1/admin/settings", signal: options.signal }),
      update: (changes, options = {}) =>
        request<OrgSettings | SettingsChangePending>(config, { method: "PATCH", path: "/v1/admin/settings", body: changes, signal: options.signal }),
    };
    const memberPath = (membershipId: string) => `/v1/admin/members/${encodeURIComponent(membershipId)}`;
    this.members = {
      list: async (options = {}) => (await request<{ members: Member[] }>(config, { method: "GET", path: "/v1/admin/members", signal: options.signal })).members,
      update: (membershipId, changes, options = {}) =>
        request<Member>(config, { method: "PATCH", path: memberPath(membershipId), body: { role: changes.role }, signal: options.signal }),
      remove: (membershipId, options = {}) => request<RemovedMember>(config, { method: "DELETE", path: memberPath(membershipId), signal: options.signal }),
    };
    this.invitations = {
      list: async (options = {}) => (await request<{ invitations: Invitation[] }>(config, { method: "GET", path: "/v1/admin/invitations", signal: options.signal })).invitations,
      create: (invitation, options = {}) =>
        request<CreatedInvitation>(config, {
          method: "POST",
          path: "/v1/admin/invitations",
          body: { email: invitation.email, role: invitation.role, ...(options.expiresInDays === undefined ? {} : { expiresInDays: options.expiresInDays }) },
          // One key per call, the same on every retry of it: the server answers the same invitation.
          headers: { "idempotency-key": globalThis.crypto.randomUUID() },
          signal: options.signal,
        }),
      revoke: (invitationId, options = {}) =>
        request<Invitation>(config, { method: "DELETE", path: `/v1/admin/invitations/${encodeURIComponent(invitationId)}`, signal: options.signal }),
    };
    const agentPath = (agentId: string, tail = "") => `/v1/admin/agents/${encodeURIComponent(agentId)}${tail}`;
    // One key per call, the same on every retry of it: the server answers the same object again.
    const onceKey = () => ({ "idempotency-key": globalThis.crypto.randomUUID() });
    const setStatus = (agentId: string, action: "halt" | "resume", options: AgentStatusOptions): Promise<Agent> =>
      request<Agent>(config, {
        method: "POST",
        path: agentPath(agentId, `/${action}`),
        body: options.reason === undefined ? {} : { reason: options.reason },
        signal: options.signal,
      });
    this.agents = {
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
    this.keys = {
      list: async (options = {}) => (await request<{ keys: AdminKey[] }>(config, { method: "GET", path: "/v1/admin/keys", signal: options.signal })).keys,
      issue: (key = {}, options = {}) =>
        request<IssuedAdminKey>(config, {
          method: "POST",
          path: "/v1/admin/keys",
          body: { ...(key.name === undefined ? {} : { name: key.name }), ...(key.expiresInDays === undefined ? {} : { expiresInDays: key.expiresInDays }) },
          headers: onceKey(),
          signal: options.signal,
        }),
      revoke: (keyId, options = {}) => request<RevokedKey>(config, { method: "DELETE", path: `/v1/admin/keys/${encodeURIComponent(keyId)}`, signal: options.signal }),
    };
    this.delegations = {
      tree: (agentId, options = {}) => request<DelegationTree>(config, { method: "GET", path: `/v1/admin/delegations${query({ agentId })}`, signal: options.signal }),
      revoke: (delegationId, options = {}) =>
        request<RevokedDelegations>(config, { method: "DELETE", path: `/v1/delegations/${encodeURIComponent(delegationId)}`, signal: options.signal }),
    };
    this.runs = {
      list: (options = {}) =>
        request(config, {
          method: "GET",
          path: `/v1/runs${query({ status: options.status, agentId: options.agentId, limit: options.limit === undefined ? undefined : String(options.limit), cursor: options.cursor })}`,
          signal: options.signal,
        }),
      get: (runId, options = {}) => request<RunDetail>(config, { method: "GET", path: `/v1/runs/${encodeURIComponent(runId)}`, signal: options.signal }),
    };
    this.budgets = {
      list: (options = {}) =>
        request<{ budgets: Budget[] }>(config, {
          method: "GET",
          path: `/v1/budgets${query({ limit: options.limit === undefined ? undefined : String(options.limit) })}`,
          signal: options.signal,
        }),
      prices: (options = {}) => request<PriceList>(config, { method: "GET", path: "/v1/prices", signal: options.signal }),
    };
    const webhookPath = (webhookId: string, tail = "") => `/v1/admin/webhooks/${encodeURIComponent(webhookId)}${tail}`;
    this.webhooks = {
      list: async (options = {}) => (await request<{ webhooks: WebhookEndpoint[] }>(config, { method: "GET", path: "/v1/admin/webhooks", signal: options.signal })).webhooks,
      create: (endpoint, options = {}) => request<CreatedWebhook>(config, { method: "POST", path: "/v1/admin/webhooks", body: endpoint, signal: options.signal }),
      get: (webhookId, options = {}) => request<WebhookEndpoint>(config, { method: "GET", path: webhookPath(webhookId), signal: options.signal }),
      update: (webhookId, changes, options = {}) => request<WebhookEndpoint>(config, { method: "PATCH", path: webhookPath(webhookId), body: changes, signal: options.signal }),
      delete: (webhookId, options = {}) => request<WebhookEndpoint>(config, { method: "DELETE", path: webhookPath(webhookId), signal: options.signal }),
      rotateSecret: (webhookId, options = {}) =>
        request<CreatedWebhook>(config, {
          method: "POST",
          path: webhookPath(webhookId, "/rotate"),
          body: options.overlapSeconds === undefined ? {} : { overlapSeconds: options.overlapSeconds },
          signal: options.signal,
        }),
      deliveries: (webhookId, options = {}) =>
        request<{ deliveries: WebhookDelivery[]; nextCursor: string | null }>(config, {
          method: "GET",
          path: webhookPath(webhookId, `/deliveries${query({ cursor: options.cursor, limit: options.limit === undefined ? undefined : String(options.limit) })}`),
          signal: options.signal,
        }),
      redeliver: (webhookId, deliveryId, options = {}) =>
        request<WebhookDelivery>(config, { method: "POST", path: webhookPath(webhookId, `/deliveries/${encodeURIComponent(deliveryId)}/redeliver`), signal: options.signal }),
      test: (webhookId, options = {}) => request<WebhookDelivery>(config, { method: "POST", path: webhookPath(webhookId, "/test"), signal: options.signal }),
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

  /** The org's posture score (`GET /v1/posture`): 0–100, four components of 25, each deduction a finding with its fix. */
  posture(options: RequestOptions = {}): Promise<Posture> {
    return request<Posture>(this.#config, { method: "GET", path: "/v1/posture", signal: options.signal });
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
