import { openApiDocument, routes, type OperationId, type RouteContract } from "@gatehouse/contracts";
import { responseValidator } from "@gatehouse/contracts/testing";
import { db, decideCliLogin, getMemberContext } from "@gatehouse/db";
import { addTestMember, createTestOrg, fakeDns, startSlackStandIn, type SlackStandIn, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOW_ALL_PR, call, startApp, stopApp } from "./helpers";

// The contract, held against the running API: the document it serves, the routes it registers, and
// the real answer of every route checked against the document by an independent validator.

const document = openApiDocument();
const check = responseValidator(document);
let app: FastifyInstance;
let baseUrl: string;
let org: TestOrg;
const dns = fakeDns();

let slack: SlackStandIn;

beforeAll(async () => {
  slack = await startSlackStandIn();
  process.env.GATEHOUSE_SLACK_API_URL = slack.url;
  app = await startApp({ resolveTxt: dns.resolveTxt });
  baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
  org = await createTestOrg({ label: "contract", policies: ALLOW_ALL_PR });
});
afterAll(async () => {
  await stopApp(app);
  await slack.close();
});

const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

describe("the served document", () => {
  it("is the document generated from the contracts", async () => {
    const response = await call(app, "GET", "/openapi.json");
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toContain("application/json");
    expect(response.json()).toEqual(document);
  });

  it("lists every route the server registers, and the server registers every route it lists", () => {
    // HEAD routes are Fastify's automatic twins of GET ones; /docs/* is the reference page itself; the MCP gateway's
    // endpoint and its RFC 9728 metadata speak MCP and OAuth, not this contract (docs/integrations/mcp.md).
    const registered = app.registeredRoutes
      .filter((r) => r.method !== "HEAD" && !r.url.startsWith("/docs") && !r.url.startsWith("/mcp/") && !r.url.startsWith("/.well-known/oauth-protected-resource/"))
      .map((r) => `${r.method} ${openApiPath(r.url)}`)
      .sort();
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(registered).toEqual(documented);
  });

  it("is rendered as a reference at /docs", async () => {
    const response = await call(app, "GET", "/docs/");
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toContain("text/html");
    expect(response.body).toContain("/openapi.json");
  });
});

/** Shared state the rows build up as they run in table order. */
interface State {
  executedEntryId: string;
  approvalIds: string[];
  agentId: string;
  issuedKeyId: string;
  memberId: string;
  invitationId: string;
  delegationId: string;
  webhookIds: string[];
  mcpServerIds: string[];
  mcpGatewayIds: string[];
  detectorIds: string[];
  webhookDeliveryId: string;
  grantId: string;
  cliLogin: { userCode: string; pollToken: string };
}

type Row = (state: State) => Promise<LightMyRequestResponse>;

const agent = (method: Parameters<typeof call>[1], url: string, body?: unknown) => call(app, method, url, { key: org.agent.apiKey, ...(body === undefined ? {} : { body }) });
const admin = (method: Parameters<typeof call>[1], url: string, body?: unknown) => call(app, method, url, { key: org.adminKey.apiKey, ...(body === undefined ? {} : { body }) });

/** One real call per operation, in an order where each finds what it needs. */
const ROWS: Record<OperationId, Row> = {
  health: () => call(app, "GET", "/healthz"),
  openApi: () => call(app, "GET", "/openapi.json"),
  execute: async (state) => {
    const executed = await agent("POST", "/v1/actions", { actionType: "pr.open", metadata: { pr: 1 }, runId: "contract-run", runName: "contract run" });
    state.executedEntryId = executed.json().auditEventId;
    for (let i = 0; i < 3; i += 1) state.approvalIds.push((await agent("POST", "/v1/actions", { actionType: "pr.merge", metadata: { pr: i } })).json().approvalId);
    const denied = await agent("POST", "/v1/actions", { actionType: "repo.delete" });
    expect(check({ method: "POST", path: "/v1/actions", status: 200, body: denied.json() })).toEqual([]);
    return executed;
  },
  canI: () => agent("POST", "/v1/actions/check", { actionType: "pr.merge" }),
  scan: async () => {
    const asAdmin = await admin("POST", "/v1/scan", { json: { ticket: { summary: "mail jane.doe@example.com" } } });
    expect(check({ method: "POST", path: "/v1/scan", status: 200, body: asAdmin.json() })).toEqual([]);
    return agent("POST", "/v1/scan", { text: `deploy with ghp_${"A1b2".repeat(9)} now` });
  },
  screenContentDetectors: () => agent("GET", "/v1/content/detectors/screen"),
  listContentDetectors: () => admin("GET", "/v1/content/detectors"),
  createContentDetector: async (state) => {
    const created = await admin("POST", "/v1/content/detectors", { name: "contract_ticket", class: "secrets", pattern: "TKT-[0-9]{6}", keywords: ["tkt-"] });
    state.detectorIds.push(created.json().id);
    return created;
  },
  testContentDetector: () =>
    admin("POST", "/v1/content/detectors/test", { detector: { class: "personalData", pattern: "[0-9]{4}", checksum: "luhn" }, samples: ["4242 and 1234"] }),
  getContentDetector: (state) => admin("GET", `/v1/content/detectors/${state.detectorIds[0]}`),
  updateContentDetector: (state) => admin("PATCH", `/v1/content/detectors/${state.detectorIds[0]}`, { keywords: ["tkt-", "ticket"] }),
  deleteContentDetector: (state) => admin("DELETE", `/v1/content/detectors/${state.detectorIds[0]}`),
  reportOutcome: (state) => agent("POST", `/v1/actions/${state.executedEntryId}/outcome`, { status: "success", runId: "contract-run" }),
  heartbeat: () => agent("POST", "/v1/heartbeat", { intervalSeconds: 30 }),
  listRuns: async () => {
    const own = await agent("GET", "/v1/runs");
    expect(check({ method: "GET", path: "/v1/runs", status: 200, body: own.json() })).toEqual([]);
    return admin("GET", "/v1/runs?limit=10");
  },
  getRun: () => agent("GET", "/v1/runs/contract-run"),
  listBudgets: () => admin("GET", "/v1/budgets?limit=10"),
  listPrices: () => agent("GET", "/v1/prices"),
  endRun: () => agent("POST", "/v1/runs/contract-run/end", { status: "completed" }),
  logEvidence: (state) =>
    agent("POST", "/v1/audit/entries", { kind: "command.ran", details: { command: "npm test", exitCode: 0 }, auditEventId: state.executedEntryId, eventId: "contract-evidence" }),
  listPolicies: () => agent("GET", "/v1/policies?scope=org"),
  codingAgentHook: () =>
    agent("POST", "/v1/hooks/claude-code?waitSeconds=0", {
      hook_event_name: "PreToolUse",
      tool_name: "Bash",
      tool_input: { command: "git status" },
      session_id: "contract",
      tool_use_id: "toolu_contract",
    }),
  whoami: async () => {
    const asAdmin = await admin("GET", "/v1/whoami");
    expect(check({ method: "GET", path: "/v1/whoami", status: 200, body: asAdmin.json() })).toEqual([]);
    return agent("GET", "/v1/whoami");
  },
  getPosture: async () => {
    const asAdmin = await admin("GET", "/v1/posture");
    expect(check({ method: "GET", path: "/v1/posture", status: 200, body: asAdmin.json() })).toEqual([]);
    return agent("GET", "/v1/posture");
  },
  getCoverage: () => admin("GET", "/v1/coverage"),
  createDelegation: async (state) => {
    const created = await agent("POST", "/v1/delegations", { name: "contract-sub", capabilities: ["pr.*"], ttlSeconds: 600, metadata: { task: "contract" } });
    state.delegationId = created.json().delegation.id;
    // A delegate's whoami shows its chain.
    const sub = await call(app, "GET", "/v1/whoami", { key: created.json().apiKey });
    expect(check({ method: "GET", path: "/v1/whoami", status: 200, body: sub.json() })).toEqual([]);
    expect(sub.json().delegation.chain).toHaveLength(2);
    return created;
  },
  listDelegations: () => agent("GET", "/v1/delegations?role=parent&activeOnly=true"),
  getDelegation: (state) => agent("GET", `/v1/delegations/${state.delegationId}`),
  revokeDelegation: (state) => agent("DELETE", `/v1/delegations/${state.delegationId}`),
  getDelegationTree: () => admin("GET", `/v1/admin/delegations?agentId=${org.agent.id}`),
  getApproval: (state) => agent("GET", `/v1/approvals/${state.approvalIds[0]}`),
  waitForApproval: (state) => agent("GET", `/v1/approvals/${state.approvalIds[0]}/wait?timeoutMs=0`),
  waitForApprovals: (state) => agent("POST", "/v1/approvals/wait", { approvalIds: state.approvalIds, timeoutMs: 0 }),
  streamEvents: () => call(app, "GET", "/v1/events?lastEventId=abc", { key: org.agent.apiKey }),
  listAuditEntries: () => agent("GET", "/v1/audit?limit=5"),
  getCheckpoint: () => agent("GET", "/v1/audit/checkpoint"),
  listCheckpoints: () => agent("GET", "/v1/audit/checkpoints"),
  getWitnessStatus: () => admin("GET", "/v1/audit/witnesses"),
  listSigningKeys: () => agent("GET", "/v1/audit/keys"),
  getAuditProof: async (state) => {
    const consistency = await agent("GET", "/v1/audit/proof?from=1");
    expect(check({ method: "GET", path: "/v1/audit/proof", status: 200, body: consistency.json() })).toEqual([]);
    // An agent's key proves its own entries only (seq 0 is the org's creation).
    return agent("GET", `/v1/audit/proof?entryId=${state.executedEntryId}`);
  },
  verifyAuditLog: () => admin("POST", "/v1/audit/verify"),
  exportAuditLog: () => admin("GET", "/v1/audit/export"),
  createArticle12Report: () => admin("POST", "/v1/audit/reports/article12", { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date().toISOString() }),
  rotateSigningKey: () => admin("POST", "/v1/admin/audit/keys/rotate"),
  getGovernanceHealth: () => admin("GET", "/health/governance"),
  eraseAuditFields: (state) => admin("POST", "/v1/admin/audit/erasures", { entryIds: [state.executedEntryId], reason: "the contract's answer" }),
  getPolicySet: () => admin("GET", "/v1/admin/policies"),
  getPolicyMonitor: () => admin("GET", "/v1/admin/policies/monitor?days=3"),
  applyPolicySet: () => admin("PUT", "/v1/admin/policies?dryRun=true", { policies: ALLOW_ALL_PR }),
  getPolicyLibrary: () => admin("GET", "/v1/admin/policies/library"),
  getPolicyDraft: () => admin("GET", "/v1/admin/policies/draft"),
  savePolicyDraft: () => admin("PUT", "/v1/admin/policies/draft", { source: "policies:\n  - { name: allow-pr, actions: [pr.*], effect: allow }\n", format: "yaml", revision: 0 }),
  discardPolicyDraft: () => admin("DELETE", "/v1/admin/policies/draft"),
  publishPolicyDraft: async () => {
    const saved = await admin("PUT", "/v1/admin/policies/draft", { source: JSON.stringify({ policies: ALLOW_ALL_PR }), format: "json", revision: 0 });
    return admin("POST", "/v1/admin/policies/draft/publish", { revision: saved.json().revision });
  },
  listPolicyVersions: () => admin("GET", "/v1/admin/policies/allow-pr/versions"),
  testPolicies: () =>
    admin("POST", "/v1/admin/policies/test", {
      policies: ALLOW_ALL_PR,
      tests: [
        { name: "opens", request: { actionType: "pr.open" }, expect: { effect: "allow" } },
        { name: "deploys", request: { actionType: "deploy.run" }, expect: { effect: "allow" } },
      ],
    }),
  simulatePolicies: () => admin("POST", "/v1/admin/policies/simulate", { policies: ALLOW_ALL_PR, days: 7 }),
  listAgents: () => admin("GET", "/v1/admin/agents"),
  createAgent: async (state) => {
    const created = await admin("POST", "/v1/admin/agents", { name: "contract-bot", labels: { team: "qa" } });
    state.agentId = created.json().id;
    return created;
  },
  haltAgent: (state) => admin("POST", `/v1/admin/agents/${state.agentId}/halt`, { reason: "contract test" }),
  resumeAgent: (state) => admin("POST", `/v1/admin/agents/${state.agentId}/resume`),
  listAgentKeys: (state) => admin("GET", `/v1/admin/agents/${state.agentId}/keys`),
  issueAgentKey: async (state) => {
    const issued = await admin("POST", `/v1/admin/agents/${state.agentId}/keys`, { name: "second", expiresInDays: 30 });
    state.issuedKeyId = issued.json().id;
    return issued;
  },
  listAdminKeys: () => admin("GET", "/v1/admin/keys"),
  issueAdminKey: () => admin("POST", "/v1/admin/keys", { name: "contract laptop", expiresInDays: 30 }),
  revokeKey: (state) => admin("DELETE", `/v1/admin/keys/${state.issuedKeyId}`),
  getSettings: () => admin("GET", "/v1/admin/settings"),
  updateSettings: () => admin("PATCH", "/v1/admin/settings", { circuitBreaker: { failureThreshold: 20 }, signIn: { ssoDomains: [`${org.org.slug}.example.test`] } }),
  listSsoDomains: () => admin("GET", "/v1/admin/settings/sso-domains"),
  verifySsoDomain: async () => {
    const [claim] = (await admin("GET", "/v1/admin/settings/sso-domains")).json().domains;
    dns.publish(claim.record.name, claim.record.value);
    return admin("POST", "/v1/admin/settings/sso-domains/verify", { domain: claim.domain });
  },
  getOrg: () => admin("GET", "/v1/admin/org"),
  updateOrg: () => admin("PATCH", "/v1/admin/org", { name: "Contract Org (renamed)" }),
  closeOrg: async () => {
    // Its own org: closing the contract org would end the rows after this one.
    const closing = await createTestOrg({ label: "contract-close" });
    return call(app, "POST", "/v1/admin/org/close", { key: closing.adminKey.apiKey, body: { confirm: closing.org.slug } });
  },
  listMembers: async (state) => {
    state.memberId = (await addTestMember(org, "viewer", "contract")).membershipId;
    return admin("GET", "/v1/admin/members");
  },
  updateMember: (state) => admin("PATCH", `/v1/admin/members/${state.memberId}`, { role: "approver" }),
  removeMember: (state) => admin("DELETE", `/v1/admin/members/${state.memberId}`),
  listInvitations: async (state) => {
    const created = await admin("POST", "/v1/admin/invitations", { email: "Invited.Contract@Example.test", role: "viewer" });
    state.invitationId = created.json().invitation.id;
    return admin("GET", "/v1/admin/invitations");
  },
  createInvitation: () => admin("POST", "/v1/admin/invitations", { email: "second.contract@example.test", role: "auditor", expiresInDays: 2 }),
  revokeInvitation: (state) => admin("DELETE", `/v1/admin/invitations/${state.invitationId}`),
  listWebhooks: async (state) => {
    for (const path of ["/a", "/b"]) state.webhookIds.push((await admin("POST", "/v1/admin/webhooks", { url: `http://127.0.0.1:9${path}`, events: ["*"] })).json().webhook.id);
    return admin("GET", "/v1/admin/webhooks");
  },
  createWebhook: () => admin("POST", "/v1/admin/webhooks", { url: "http://127.0.0.1:9/contract", events: ["approval.requested", "approval.decided"], description: "contract" }),
  getWebhook: (state) => admin("GET", `/v1/admin/webhooks/${state.webhookIds[0]}`),
  updateWebhook: (state) => admin("PATCH", `/v1/admin/webhooks/${state.webhookIds[0]}`, { enabled: false, description: "paused" }),
  deleteWebhook: (state) => admin("DELETE", `/v1/admin/webhooks/${state.webhookIds[1]}`),
  rotateWebhookSecret: (state) => admin("POST", `/v1/admin/webhooks/${state.webhookIds[0]}/rotate`, { overlapSeconds: 60 }),
  listWebhookDeliveries: async (state) => {
    state.webhookDeliveryId = (await admin("POST", `/v1/admin/webhooks/${state.webhookIds[0]}/test`)).json().id;
    return admin("GET", `/v1/admin/webhooks/${state.webhookIds[0]}/deliveries?limit=10`);
  },
  redeliverWebhook: (state) => admin("POST", `/v1/admin/webhooks/${state.webhookIds[0]}/deliveries/${state.webhookDeliveryId}/redeliver`),
  testWebhook: (state) => admin("POST", `/v1/admin/webhooks/${state.webhookIds[0]}/test`),
  listMcpServers: async (state) => {
    for (const name of ["contract-a", "contract-b"]) {
      state.mcpServerIds.push((await admin("POST", "/v1/admin/mcp/servers", { name, url: `http://127.0.0.1:9/${name}`, credential: "Bearer contract" })).json().id);
    }
    return admin("GET", "/v1/admin/mcp/servers");
  },
  createMcpServer: () => admin("POST", "/v1/admin/mcp/servers", { name: "contract-c", url: "http://127.0.0.1:9/c", description: "contract" }),
  getMcpServer: (state) => admin("GET", `/v1/admin/mcp/servers/${state.mcpServerIds[0]}`),
  updateMcpServer: (state) => admin("PATCH", `/v1/admin/mcp/servers/${state.mcpServerIds[0]}`, { description: "changed", credential: null }),
  deleteMcpServer: (state) => admin("DELETE", `/v1/admin/mcp/servers/${state.mcpServerIds[1]}`),
  listMcpServerTools: (state) => admin("GET", `/v1/admin/mcp/servers/${state.mcpServerIds[0]}/tools`),
  acceptMcpTool: async (state) => {
    // A tool a gateway found changed (what the gateway writes when a server's list differs from its pins).
    const pending = "b".repeat(64);
    await db().mcpToolPin.create({
      data: {
        serverId: state.mcpServerIds[0]!,
        tool: "search",
        orgId: org.org.id,
        digest: "a".repeat(64),
        definition: { description: "old" },
        pendingDigest: pending,
        pendingDefinition: { description: "new" },
        pendingFields: ["description"],
      },
    });
    return admin("POST", `/v1/admin/mcp/servers/${state.mcpServerIds[0]}/tools/accept`, { tool: "search", digest: pending });
  },
  listMcpGateways: async (state) => {
    state.mcpGatewayIds.push((await admin("POST", "/v1/admin/mcp/gateways", { name: "contract-one", servers: ["contract-a"] })).json().id);
    state.mcpGatewayIds.push((await admin("POST", "/v1/admin/mcp/gateways", { name: "contract-two", servers: [] })).json().id);
    return admin("GET", "/v1/admin/mcp/gateways");
  },
  createMcpGateway: () => admin("POST", "/v1/admin/mcp/gateways", { name: "contract-three", servers: ["contract-a"], onChange: "require_approval" }),
  getMcpGateway: (state) => admin("GET", `/v1/admin/mcp/gateways/${state.mcpGatewayIds[0]}`),
  updateMcpGateway: (state) => admin("PATCH", `/v1/admin/mcp/gateways/${state.mcpGatewayIds[0]}`, { servers: [], description: "none" }),
  deleteMcpGateway: (state) => admin("DELETE", `/v1/admin/mcp/gateways/${state.mcpGatewayIds[1]}`),
  getSlackConnection: () => admin("GET", "/v1/admin/integrations/slack"),
  connectSlack: () => admin("PUT", "/v1/admin/integrations/slack", { botToken: slack.botToken, signingSecret: slack.signingSecret }),
  disconnectSlack: () => admin("DELETE", "/v1/admin/integrations/slack"),
  slackEvents: async () => {
    await admin("PUT", "/v1/admin/integrations/slack", { botToken: slack.botToken, signingSecret: slack.signingSecret });
    // Slack's url_verification, signed with the app's secret: the challenge answered, the app proven.
    const proof = slack.urlVerification();
    return app.inject({ method: "POST", url: `/v1/slack/${org.org.id}/events`, headers: proof.headers, payload: proof.body });
  },
  slackInteractions: async () => {
    await admin("PUT", "/v1/admin/integrations/slack", { botToken: slack.botToken, signingSecret: slack.signingSecret });
    // A click by a Slack user the stand-in does not know: answered 200 at once; the click itself then decides nothing.
    const click = slack.click({ approvalId: "apr_0000000000000000000000", action: "approve", user: "U0NOBODY" });
    return app.inject({ method: "POST", url: `/v1/slack/${org.org.id}/interactions`, headers: click.headers, payload: click.body });
  },
  listApprovals: () => admin("GET", "/v1/admin/approvals?status=all"),
  getApprovalAsMember: (state) => admin("GET", `/v1/admin/approvals/${state.approvalIds[1]}`),
  decideApproval: (state) => admin("POST", `/v1/admin/approvals/${state.approvalIds[1]}/decision`, { decision: "approve", reason: "looks fine" }),
  grantFromApproval: async (state) => {
    const approvalId = (await agent("POST", "/v1/actions", { actionType: "pr.merge", metadata: { pr: 77, repo: "web" } })).json().approvalId;
    const granted = await admin("POST", `/v1/admin/approvals/${approvalId}/grant`, { durationSeconds: 600, uses: 3, match: { repo: "web" } });
    state.grantId = granted.json().grant?.id ?? "";
    return granted;
  },
  listGrants: () => admin("GET", "/v1/admin/grants?status=all"),
  revokeGrant: (state) => admin("DELETE", `/v1/admin/grants/${state.grantId}`),
  getHandover: () => admin("GET", "/v1/admin/handover"),
  setHandover: async () => {
    const colleague = await addTestMember(org, "owner", "contract-colleague");
    return admin("PUT", "/v1/admin/handover", { toMemberId: colleague.membershipId, until: new Date(Date.now() + 86_400_000).toISOString() });
  },
  endHandover: () => admin("DELETE", "/v1/admin/handover"),
  decideApprovals: (state) => admin("POST", "/v1/admin/approvals/decision", { approvalIds: [state.approvalIds[2], "apr_doesnotexist0000000000"], decision: "deny" }),
  startCliLogin: async (state) => {
    const started = await call(app, "POST", "/v1/cli-logins", { body: { client: "gatehouse 0.1.0", deviceName: "contract-test" } });
    state.cliLogin = { userCode: started.json().userCode, pollToken: started.json().pollToken };
    return started;
  },
  collectCliLogin: async (state) => {
    // The owner confirms the code in the console; the poll then answers their new key.
    const owner = await getMemberContext({ userId: org.owner.userId, orgSlug: org.org.slug, requestId: "contract" });
    await decideCliLogin({ ctx: owner, input: { userCode: state.cliLogin.userCode, typedCode: state.cliLogin.userCode, decision: "approve" } });
    return call(app, "POST", "/v1/cli-logins/token", { body: { pollToken: state.cliLogin.pollToken } });
  },
  refreshAdminKey: async () => {
    // A CLI login's key refreshes itself: one is signed in here first.
    const started = (await call(app, "POST", "/v1/cli-logins", { body: { client: "gatehouse 0.1.0", deviceName: "contract-refresh" } })).json();
    const owner = await getMemberContext({ userId: org.owner.userId, orgSlug: org.org.slug, requestId: "contract" });
    await decideCliLogin({ ctx: owner, input: { userCode: started.userCode, typedCode: started.userCode, decision: "approve" } });
    const collected = (await call(app, "POST", "/v1/cli-logins/token", { body: { pollToken: started.pollToken } })).json();
    return call(app, "POST", `/v1/admin/keys/${collected.key.id}/refresh`, { key: collected.apiKey });
  },
};

describe("every route's real answer matches the document", () => {
  const state: State = {
    executedEntryId: "",
    approvalIds: [],
    agentId: "",
    issuedKeyId: "",
    memberId: "",
    invitationId: "",
    delegationId: "",
    webhookIds: [],
    mcpServerIds: [],
    mcpGatewayIds: [],
    detectorIds: [],
    webhookDeliveryId: "",
    grantId: "",
    cliLogin: { userCode: "", pollToken: "" },
  };

  it("has a row for every operation of the document", () => {
    expect(Object.keys(ROWS).sort()).toEqual(routes.map((r) => r.operationId).sort());
  });

  for (const route of routes as readonly RouteContract[]) {
    it(`${route.method} ${route.path} (${route.operationId})`, async () => {
      const response = await ROWS[route.operationId as OperationId](state);
      if (route.operationId === "streamEvents") {
        // An invalid Last-Event-ID is refused as JSON before the stream starts: the error envelope.
        expect(response.statusCode).toBe(400);
        expect(check.component("Error", response.json())).toEqual([]);
        return;
      }
      expect(response.statusCode, response.body.slice(0, 500)).toBe(route.success.status);
      if (route.success.json) {
        expect(check({ method: route.method, path: openApiPath(route.path), status: route.success.status, body: response.json() })).toEqual([]);
      } else {
        expect(route.success.raw?.mediaTypes.some((type) => String(response.headers["content-type"]).startsWith(type))).toBe(true);
      }
    });
  }

  it("streams events whose data matches the document's EventData", async () => {
    const controller = new AbortController();
    const response = await fetch(`${baseUrl}/v1/events`, { headers: { authorization: `Bearer ${org.agent.apiKey}`, "last-event-id": "0" }, signal: controller.signal });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!/\ndata: .*\n\n[\s\S]*\ndata: .*\n\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const data = [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1] as string) as unknown);
    expect(data.length).toBeGreaterThan(1);
    for (const event of data) expect(check.component("EventData", event)).toEqual([]);
  });

  it("answers errors in the documented envelope", async () => {
    const errors = [
      await call(app, "GET", "/v1/whoami"),
      await agent("POST", "/v1/actions", { actionType: "NOT VALID" }),
      await agent("GET", "/v1/admin/agents"),
      await admin("GET", "/v1/admin/agents/agt_000000000000000unknown/keys"),
    ];
    expect(errors.map((r) => r.statusCode)).toEqual([401, 400, 403, 404]);
    for (const response of errors) expect(check.component("Error", response.json())).toEqual([]);
  });
});
