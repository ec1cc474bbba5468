/**
 * What every adapter relies on (docs/integrations.md): a decision bound to the exact arguments of a
 * tool call (`tool.argsDigest`), and its approval with it; the integrations each agent used, on the
 * agents page and in posture; and coding agents' PreToolUse hooks, over HTTP and as the
 * `gatehouse hook` command, answering recorded payloads of the hook documentation as it says.
 */
import { argsDigestOf, canonicalize, hookFailure, toolSegment } from "@gatehouse/core";
import { db, getAgentOverview } from "@gatehouse/db";
import { addTestMember, createTestOrg, type TestMember, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../packages/cli/src/cli.ts";
import { argsDigest, assertSameCall, describeToolCall, Gatehouse, toolActionSegment } from "../../../packages/sdk/src/index.ts";
import { call, startApp, stopApp } from "./helpers";

let app: FastifyInstance;
let baseUrl = "";
let org: TestOrg;
let approver: TestMember;

const POLICIES = [
  { name: "reads", actions: ["tool.read", "tool.bash", "tool.get_weather"], effect: "allow" },
  { name: "no-writes", actions: ["tool.write"], effect: "deny" },
  { name: "memory-needs-review", actions: ["mcp.memory.create_entities", "tool.deploy"], effect: "require_approval" },
];

beforeAll(async () => {
  app = await startApp();
  baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
  org = await createTestOrg({ label: "integrations", policies: POLICIES });
  approver = await addTestMember(org, "approver");
});
afterAll(async () => {
  await stopApp(app);
});

const execute = (body: unknown, key = org.agent.apiKey) => call(app, "POST", "/v1/actions", { key, body });
const actionsOf = async (orgId: string) => (await db().pool.query<{ n: string }>(`SELECT count(*) AS n FROM actions WHERE org_id = $1`, [orgId])).rows[0]?.n;

/** The pending approval whose action's arguments hold `marker`, once a waiting call has asked for it. */
async function pendingApprovalFor(marker: string): Promise<string> {
  for (let i = 0; i < 200; i += 1) {
    const { rows } = await db().pool.query<{ id: string }>(
      `SELECT a.id FROM approvals a JOIN actions c ON c.id = a.action_id WHERE c.org_id = $1 AND a.status = 'pending' AND strpos(c.metadata::text, $2) > 0`,
      [org.org.id, marker],
    );
    if (rows[0]) return rows[0].id;
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  throw new Error(`no pending approval for ${marker}`);
}

async function decide(approvalId: string, decision: "approve" | "deny", reason?: string): Promise<void> {
  const answer = await call(app, "POST", `/v1/admin/approvals/${approvalId}/decision`, { key: approver.apiKey, body: { decision, ...(reason ? { reason } : {}) } });
  expect(answer.statusCode).toBe(200);
}

describe("argsDigest: one digest on both sides", () => {
  it.each([[{ b: 1, a: [true, null, "x"] }], [{ path: "/tmp/ü", n: 1.5e-7, nested: { z: 1, y: { x: [] } } }], ["a bare string"], [null], [[3, 2, 1]]])(
    "the SDK's WebCrypto digest of %j is the server's",
    async (args) => {
      expect(await argsDigest(args)).toBe(argsDigestOf(args));
      expect(argsDigestOf(args)).toBe(createHash("sha256").update(canonicalize(args)).digest("hex"));
    },
  );

  it.each(["getWeather", "read_file", "Bash", "WebFetch", "mcp__github__create_issue", "delete repo!", "__x", "", "ÜberTool", "a".repeat(150)])(
    "the SDK's and the server's action segment agree on %j",
    (name) => {
      expect(toolActionSegment(name)).toBe(toolSegment(name));
      expect(toolSegment(name)).toMatch(/^[a-z0-9][a-z0-9_-]{0,99}$/);
    },
  );
});

describe("a decision and its approval are bound to the exact arguments", () => {
  it("answers the tool and its digest, computed from the arguments sent or taken as sent", async () => {
    const args = { city: "Paris", units: "metric" };
    const fromArgs = await execute({ actionType: "tool.get_weather", tool: { name: "getWeather", arguments: args } });
    expect(fromArgs.json()).toMatchObject({ status: "executed", tool: { name: "getWeather", argsDigest: argsDigestOf(args) } });
    const fromDigest = await execute({ actionType: "tool.get_weather", tool: { name: "getWeather", argsDigest: argsDigestOf(args) } });
    expect(fromDigest.json().tool).toEqual(fromArgs.json().tool);
    const entry = await db().pool.query<{ canonical: string }>(`SELECT canonical FROM audit_entries WHERE id = $1`, [fromArgs.json().auditEventId]);
    const sealed = JSON.parse(entry.rows[0]?.canonical ?? "{}") as { data: { tool?: unknown } };
    expect(sealed.data.tool).toEqual({ name: "getWeather", argsDigest: argsDigestOf(args) });
    // The arguments are hashed, never kept: the sealed entry holds the digest only.
    expect(entry.rows[0]?.canonical).not.toContain("Paris");
  });

  it.each([
    ["a digest that is not the arguments'", { name: "deploy", arguments: { env: "prod" }, argsDigest: argsDigestOf({ env: "dev" }) }, "tool.argsDigest"],
    ["a digest in capitals", { name: "deploy", argsDigest: argsDigestOf({ env: "prod" }).toUpperCase() }, "tool.argsDigest"],
    ["a short digest", { name: "deploy", argsDigest: "abc123" }, "tool.argsDigest"],
    ["neither arguments nor digest", { name: "deploy" }, "tool.argsDigest"],
    ["no name", { arguments: {} }, "tool.name"],
    ["a name of 201 characters", { name: "x".repeat(201), arguments: {} }, "tool.name"],
    ["a NUL in the name", { name: "de\u0000ploy", arguments: {} }, "tool.name"],
    ["arguments nested 40 deep", { name: "deploy", arguments: JSON.parse(`${"[".repeat(40)}${"]".repeat(40)}`) as unknown }, "tool.arguments"],
    ["a field it does not know", { name: "deploy", arguments: {}, approved: true }, "tool"],
  ])("refuses %s with a 400 naming the field, writing nothing", async (_case, tool, field) => {
    const before = await actionsOf(org.org.id);
    const answer = await execute({ actionType: "tool.deploy", tool });
    expect(answer.statusCode).toBe(400);
    expect(answer.json().error.details.issues.map((i: { path: string }) => i.path)).toContainEqual(expect.stringContaining(field));
    expect(await actionsOf(org.org.id)).toBe(before);
  });

  it("the same call asked again re-attaches to its approval; other arguments under the same key are a conflict", async () => {
    const gh = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl });
    const call1 = await describeToolCall({ name: "deploy", args: { env: "prod", sha: "abc" }, callId: "call_7" });
    const first = await gh.execute(call1.actionType, call1);
    const again = await gh.execute(call1.actionType, call1);
    expect(first.status).toBe("requested");
    expect(again.approvalId).toBe(first.approvalId);
    // An altered call under the same idempotency key: refused, no second approval.
    const altered = await execute({
      actionType: call1.actionType,
      eventId: call1.eventId,
      metadata: call1.metadata,
      tool: { name: "deploy", arguments: { env: "prod", sha: "evil" } },
    });
    expect(altered.statusCode).toBe(409);
    // The same framework call id with other arguments is another key: a new approval.
    const call2 = await describeToolCall({ name: "deploy", args: { env: "prod", sha: "evil" }, callId: "call_7" });
    const second = await gh.execute(call2.actionType, call2);
    expect(second.approvalId).not.toBe(first.approvalId);

    await decide(first.approvalId as string, "approve");
    // Asked again once decided (a retried step, a restarted adapter): the answer as it stands now, not the one first given.
    expect(await gh.execute(call1.actionType, call1)).toMatchObject({ status: "executed", approvalId: first.approvalId, tool: call1.tool });
    const approved = await gh.waitForApproval(first.approvalId as string);
    expect(() => assertSameCall(approved, call1.tool)).not.toThrow();
    // The approval of the first call does not approve the second: what an adapter checks before running it.
    expect(() => assertSameCall(approved, call2.tool)).toThrow(expect.objectContaining({ code: "ARGS_MISMATCH" }));
    expect((await gh.approval(first.approvalId as string)).tool).toEqual(call1.tool);
    expect((await gh.approval(second.approvalId as string)).status).toBe("pending");
  });
});

describe("coverage: the integrations each agent used", () => {
  async function overviewOf(target: TestOrg) {
    const { ctx } = target;
    for (let i = 0; i < 100; i += 1) {
      const agent = await getAgentOverview({ ctx, input: { agentId: target.agent.id } });
      if (agent.integrations.length > 0) return { agent };
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return { agent: await getAgentOverview({ ctx, input: { agentId: target.agent.id } }) };
  }

  it("a wrapped model client without governed tool calls is flagged on the agents page and in posture, until a tool call comes through", async () => {
    const other = await createTestOrg({ label: "coverage", policies: POLICIES });
    const model = new Gatehouse({ apiKey: other.agent.apiKey, baseUrl, integration: "openai/0.1.0" });
    await model.execute("tool.read");
    const flagged = await overviewOf(other);
    expect(flagged.agent.integrations.map((i) => [i.name, i.label, i.version])).toEqual([["openai", "OpenAI client (wrapOpenAI)", "0.1.0"]]);
    expect(flagged.agent.toolCallsUngoverned).toBe(true);
    const posture = (await call(app, "GET", "/v1/posture", { key: other.adminKey.apiKey })).json();
    expect(posture.components.policyCoverage.findings.map((f: { id: string }) => f.id)).toContain("coverage.ungoverned_tool_calls");

    const adapter = model.withIntegration("ai-sdk/0.1.0");
    const tool = await describeToolCall({ name: "read", args: { path: "/etc/hosts" } });
    await adapter.execute(tool.actionType, tool);
    for (let i = 0; i < 100 && (await overviewOf(other)).agent.toolCallsUngoverned; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    const governed = await overviewOf(other);
    expect(governed.agent.integrations.map((i) => i.name).sort()).toEqual(["ai-sdk", "openai"]);
    expect(governed.agent.toolCallsUngoverned).toBe(false);
    const after = (await call(app, "GET", "/v1/posture", { key: other.adminKey.apiKey })).json();
    expect(after.components.policyCoverage.findings.map((f: { id: string }) => f.id)).not.toContain("coverage.ungoverned_tool_calls");
  });

  it("an agent that calls only through the Python SDK shows the Python SDK (it showed none: its x-gatehouse-sdk is python/<version>)", async () => {
    const other = await createTestOrg({ label: "coverage-python", policies: POLICIES });
    const python = process.env.PYTHON ?? (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
    // Not spawnSync: the API answering it runs in this process.
    const run = await promisify(execFile)(python, ["-c", 'from gatehouse import Gatehouse\nwith Gatehouse() as gh:\n    print(gh.execute("tool.read")["status"])'], {
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, PYTHONPATH: join(import.meta.dirname, "../../../packages/sdk-python/src"), GATEHOUSE_API_KEY: other.agent.apiKey, GATEHOUSE_BASE_URL: baseUrl },
    });
    expect(run.stdout.trim(), run.stderr).toBe("executed");
    const seen = await overviewOf(other);
    expect(seen.agent.integrations.map((i) => [i.name, i.label, i.version])).toEqual([["python", "Python SDK", "0.1.0"]]);
  });

  it.each([
    ["a name it does not know", "my-own-framework/1.0"],
    ["a version with a space", "ai-sdk/1 0"],
    ["a header 300 characters long", `ai-sdk/${"9".repeat(293)}`],
  ])("records nothing for %s, and never fails the call for it", async (_case, header) => {
    const other = await createTestOrg({ label: "coverage-hostile", policies: POLICIES });
    const answer = await call(app, "POST", "/v1/actions", { key: other.agent.apiKey, body: { actionType: "tool.read" }, headers: { "x-gatehouse-integration": header } });
    expect(answer.statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const rows = await db().pool.query(`SELECT integration FROM agent_integrations WHERE org_id = $1`, [other.org.id]);
    expect(rows.rows).toEqual([]);
  });
});

// Recorded PreToolUse payloads, as the Claude Code hooks reference shows them (Codex sends the same fields, and turn_id).
const BASH = {
  session_id: "abc123",
  transcript_path: "/Users/me/.claude/projects/demo/00893aaf-19fa-41d2-8238-13269b9b3ca0.jsonl",
  cwd: "/Users/me/demo",
  permission_mode: "default",
  hook_event_name: "PreToolUse",
  tool_name: "Bash",
  tool_input: { command: "npm test", description: "Run the test suite" },
  tool_use_id: "toolu_01ABC123",
};
const WRITE = { ...BASH, tool_name: "Write", tool_input: { file_path: "/Users/me/demo/file.txt", content: "file content" }, tool_use_id: "toolu_01DEF456" };
const MCP = { ...BASH, tool_name: "mcp__memory__create_entities", tool_input: { entities: [{ name: "Gatehouse", entityType: "project" }] }, tool_use_id: "toolu_01GHI789" };
const CODEX = { ...BASH, turn_id: "turn-1", tool_name: "apply_patch", tool_input: { command: "*** Begin Patch" } };

const hookCall = (agent: string, body: unknown, query = "waitSeconds=0", key: string | null = org.agent.apiKey) =>
  call(app, "POST", `/v1/hooks/${agent}?${query}`, { ...(key === null ? {} : { key }), ...(typeof body === "string" ? { rawBody: body } : { body }) });
const decisionOf = (answer: { json: () => { hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string } } }) => answer.json().hookSpecificOutput;

describe("POST /v1/hooks/:agent answers a coding agent's PreToolUse hook", () => {
  it.each([
    ["claude-code", BASH, "allow", /Allowed by policy 'reads'/],
    ["claude-code", WRITE, "deny", /Denied by policy 'no-writes'/],
    ["codex", { ...CODEX, tool_name: "Bash" }, "allow", /Allowed/],
    ["codex", CODEX, "deny", /NO_POLICY|no policy/i],
  ])("%s %j → %s", async (agent, payload, decision, reason) => {
    const answer = await hookCall(agent, payload);
    expect(answer.statusCode).toBe(200);
    expect(decisionOf(answer)).toEqual({ hookEventName: "PreToolUse", permissionDecision: decision, permissionDecisionReason: expect.stringMatching(reason) });
  });

  it("a policy that rewrites the call: Claude Code is allowed with the rewritten input (updatedInput); Codex, whose hooks cannot change an input, is refused", async () => {
    const own = await createTestOrg({
      label: "hooks-rewrite",
      policies: [
        {
          name: "web-fetch",
          actions: ["tool.web_fetch"],
          effect: "allow",
          redact: [{ path: "metadata.arguments.headers" }],
          transform: [{ path: "metadata.arguments.max_bytes", max: 100_000 }],
        },
      ],
    });
    const fetchCall = {
      ...BASH,
      tool_name: "WebFetch",
      tool_input: { url: "https://example.com", prompt: "summarise", max_bytes: 9_000_000, headers: { authorization: "Bearer not-for-the-tool" } },
      tool_use_id: "toolu_01RW",
    };
    const claude = await hookCall("claude-code", fetchCall, "waitSeconds=0", own.agent.apiKey);
    expect(decisionOf(claude)).toEqual({
      hookEventName: "PreToolUse",
      permissionDecision: "allow",
      permissionDecisionReason: expect.stringMatching(/with 2 changes the policies make/),
      updatedInput: { url: "https://example.com", prompt: "summarise", max_bytes: 100_000 },
    });
    const codex = await hookCall("codex", { ...fetchCall, turn_id: "turn-2", tool_use_id: "toolu_01RX" }, "waitSeconds=0", own.agent.apiKey);
    expect(decisionOf(codex)).toMatchObject({ permissionDecision: "deny", permissionDecisionReason: expect.stringMatching(/cannot change a tool's input/) });
    expect(decisionOf(codex)).not.toHaveProperty("updatedInput");
    // The log holds the call as rewritten, never the header the policy removed.
    const logged = (await call(app, "GET", "/v1/audit?type=action.decided", { key: own.adminKey.apiKey })).body;
    expect(logged).toContain('"max_bytes":100000');
    expect(logged).not.toContain("not-for-the-tool");
  });

  it("an MCP tool is decided as mcp.<server>.<tool>: still pending after the wait → deny naming the approval; the same call again finds the same approval, and goes ahead once approved", async () => {
    const first = await hookCall("claude-code", MCP);
    expect(decisionOf(first)).toMatchObject({ permissionDecision: "deny", permissionDecisionReason: expect.stringMatching(/needs a person's approval \(apr_/) });
    const approvalId = first.headers["x-gatehouse-approval-id"] as string;
    expect(first.headers["x-gatehouse-status"]).toBe("requested");
    expect(decisionOf(first).permissionDecisionReason).toContain(`/approvals?approval=${approvalId}`);
    const again = await hookCall("claude-code", { ...MCP, tool_use_id: "toolu_retry" });
    expect([again.headers["x-gatehouse-approval-id"], decisionOf(again).permissionDecision]).toEqual([approvalId, "deny"]);
    // Held for the decision: approved while the hook waits.
    const held = hookCall("claude-code", { ...MCP, tool_use_id: "toolu_third" }, "waitSeconds=10");
    await new Promise((resolve) => setTimeout(resolve, 300));
    await decide(approvalId, "approve");
    expect(decisionOf(await held)).toMatchObject({ permissionDecision: "allow" });
    expect(await db().approval.count({ where: { orgId: org.org.id, action: { actionType: "mcp.memory.create_entities" } } })).toBe(1);
    // The approval let one call through: the same call again (the same or a later delivery) asks a person anew.
    for (const toolUseId of ["toolu_third", "toolu_fourth"]) {
      const later = await hookCall("claude-code", { ...MCP, tool_use_id: toolUseId });
      expect([later.headers["x-gatehouse-status"], decisionOf(later).permissionDecision]).toEqual(["requested", "deny"]);
      expect(later.headers["x-gatehouse-approval-id"]).not.toBe(approvalId);
    }
    expect(await db().approval.count({ where: { orgId: org.org.id, action: { actionType: "mcp.memory.create_entities" } } })).toBe(2);
  });

  it("two hook calls waiting on one approval: exactly one is let through", async () => {
    const payload = { ...MCP, session_id: "race-session", tool_input: { entities: [{ name: "race" }] } };
    const first = await hookCall("claude-code", { ...payload, tool_use_id: "toolu_race_0" });
    const approvalId = first.headers["x-gatehouse-approval-id"] as string;
    const waiting = ["toolu_race_1", "toolu_race_2"].map((id) => hookCall("claude-code", { ...payload, tool_use_id: id }, "waitSeconds=10"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await decide(approvalId, "approve");
    const answers = (await Promise.all(waiting)).map((answer) => [answer.headers["x-gatehouse-approval-id"] === approvalId, decisionOf(answer).permissionDecision]);
    expect(answers.filter(([, decision]) => decision === "allow")).toEqual([[true, "allow"]]);
  });

  it("a reviewer's denial while the hook waits is a deny with the reviewer's reason", async () => {
    const payload = { ...MCP, session_id: "reviewer-session", tool_input: { entities: [{ name: "secret-plan" }] } };
    const held = hookCall("claude-code", payload, "waitSeconds=10");
    await decide(await pendingApprovalFor("secret-plan"), "deny", "not on a Friday");
    expect(decisionOf(await held)).toMatchObject({ permissionDecision: "deny", permissionDecisionReason: expect.stringContaining('"not on a Friday"') });
  });

  // The agents run the tool when a hook answers non-2xx: every problem with the call itself is a 200 deny that names it.
  it.each([
    ["not JSON", "{not json", /not valid JSON/],
    ["a PostToolUse payload", { ...BASH, hook_event_name: "PostToolUse" }, /hook_event_name/],
    ["no tool name", { ...BASH, tool_name: undefined }, /tool_name/],
    ["a tool input nested 40 deep", { ...BASH, tool_input: JSON.parse(`${"[".repeat(40)}${"]".repeat(40)}`) as unknown }, /tool_input|deeper/],
    ["a NUL in the session id", { ...BASH, session_id: "a\u0000b" }, /session_id/],
    ["a body over 512 KB", { ...WRITE, tool_input: { file_path: "/x", content: "x".repeat(600 * 1024) } }, /over 512 KB/],
    ["no tool_use_id", { ...BASH, tool_use_id: undefined }, /tool_use_id/],
  ])("%s → 200 deny naming it, nothing recorded", async (_case, body, reason) => {
    const before = await actionsOf(org.org.id);
    const answer = await hookCall("claude-code", body);
    expect(answer.statusCode).toBe(200);
    expect(decisionOf(answer)).toMatchObject({ permissionDecision: "deny", permissionDecisionReason: expect.stringMatching(reason) });
    expect(await actionsOf(org.org.id)).toBe(before);
  });

  it.each([
    ["an agent it does not know", "cursor", "waitSeconds=0"],
    ["a wait past 25 s", "claude-code", "waitSeconds=3600"],
    ["an answer mode it does not take (ask would hand the call to the terminal)", "claude-code", "waitSeconds=0&whilePending=ask"],
  ])("%s → 200 deny", async (_case, agent, query) => {
    expect(decisionOf(await hookCall(agent, BASH, query))).toMatchObject({ permissionDecision: "deny" });
  });

  // A refused key is the moment an admin stops an agent: the agent must not take it for "go ahead".
  it.each([
    ["no key", () => null, "UNAUTHENTICATED"],
    ["a wrong key", () => "gh_agt_wrongwrongwrongwrongwrongwrong", "UNAUTHENTICATED"],
    ["an org admin key", () => org.adminKey.apiKey, "FORBIDDEN"],
  ])("%s → 200 deny naming the code, never an allow", async (_case, key, code) => {
    const answer = await hookCall("claude-code", BASH, "waitSeconds=0", key());
    expect([answer.statusCode, answer.headers["x-gatehouse-error"], decisionOf(answer).permissionDecision]).toEqual([200, code, "deny"]);
  });

  it("a halted agent's hook, or a revoked key's, answers deny", async () => {
    const other = await createTestOrg({ label: "hook-halted", policies: POLICIES });
    const allowed = await hookCall("claude-code", BASH, "waitSeconds=0", other.agent.apiKey);
    expect(decisionOf(allowed).permissionDecision).toBe("allow");
    expect((await call(app, "POST", `/v1/admin/agents/${other.agent.id}/halt`, { key: other.adminKey.apiKey, body: { reason: "incident" } })).statusCode).toBe(200);
    const halted = await hookCall("claude-code", { ...BASH, tool_use_id: "toolu_after_halt" }, "waitSeconds=0", other.agent.apiKey);
    expect(decisionOf(halted)).toMatchObject({ permissionDecision: "deny", permissionDecisionReason: expect.stringMatching(/halted/i) });
    expect((await call(app, "DELETE", `/v1/admin/keys/${other.agent.keyId}`, { key: other.adminKey.apiKey })).statusCode).toBe(200);
    const revoked = await hookCall("claude-code", { ...BASH, tool_use_id: "toolu_after_revoke" }, "waitSeconds=0", other.agent.apiKey);
    expect([revoked.headers["x-gatehouse-error"], decisionOf(revoked).permissionDecision]).toEqual(["UNAUTHENTICATED", "deny"]);
  });

  it("an approval planted under a hook key through POST /v1/actions is refused: the hook's keys are its own", async () => {
    const planted = await execute({
      actionType: "mcp.memory.create_entities",
      eventId: "hook:0123456789abcdef0123456789abcdef01234567:x",
      tool: { name: MCP.tool_name, arguments: { entities: [] } },
    });
    expect(planted.statusCode).toBe(400);
    expect(planted.json().error.details.issues[0].path).toBe("eventId");
  });
});

describe("gatehouse hook claude-code|codex, the command hook", () => {
  async function runHook(argv: string[], stdin: string, env: Record<string, string | undefined> = { GATEHOUSE_API_KEY: org.agent.apiKey, GATEHOUSE_BASE_URL: baseUrl }) {
    let stdout = "";
    let stderr = "";
    const code = await main({
      argv,
      env,
      fetch: globalThis.fetch,
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      readStdin: async () => stdin,
      saved: null,
    });
    return {
      code,
      stdout,
      stderr,
      answer: stdout.startsWith("{")
        ? (JSON.parse(stdout) as { hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string } }).hookSpecificOutput
        : undefined,
    };
  }

  it.each([
    [["hook", "claude-code"], BASH, "allow"],
    [["hook", "claude-code"], WRITE, "deny"],
    [["hook", "codex"], { ...CODEX, tool_name: "Bash" }, "allow"],
  ])("%j with %j prints %s", async (argv, payload, decision) => {
    const run = await runHook(argv, JSON.stringify(payload));
    expect([run.code, run.answer?.permissionDecision, run.stderr]).toEqual([0, decision, ""]);
  });

  it("waits for a person and prints allow once approved", async () => {
    const payload = JSON.stringify({ ...MCP, session_id: "command-session", tool_input: { entities: [{ name: "command-plan" }] } });
    const running = runHook(["hook", "claude-code", "--wait", "20"], payload);
    await decide(await pendingApprovalFor("command-plan"), "approve");
    expect((await running).answer?.permissionDecision).toBe("allow");
  });

  it.each([
    ["the API unreachable", BASH, { GATEHOUSE_API_KEY: "gh_agt_xxxxxxxxxxxxxxxxxxxxxxxx", GATEHOUSE_BASE_URL: "http://127.0.0.1:9" }, /could not decide/],
    ["no key at all", BASH, { GATEHOUSE_BASE_URL: "http://127.0.0.1:9" }, /no API key/],
    ["an org admin key", BASH, undefined, /agent's key/],
    ["a payload that is not JSON", "rm -rf /", undefined, /not JSON/],
    ["a SessionStart payload", { ...BASH, hook_event_name: "SessionStart" }, undefined, /hook_event_name/],
  ])("fails closed with %s: prints deny", async (_case, payload, env, reason) => {
    const run = await runHook(
      ["hook", "claude-code"],
      typeof payload === "string" ? payload : JSON.stringify(payload),
      env ?? { GATEHOUSE_API_KEY: org.adminKey.apiKey, GATEHOUSE_BASE_URL: baseUrl },
    );
    expect(run.answer).toEqual({ ...hookFailure("").hookSpecificOutput, permissionDecisionReason: expect.stringMatching(reason) });
    expect(run.code).toBe(0);
  });

  // A PostToolUse payload is the result's screen (docs/integrations/coding-agents.md): when it cannot run, the result is kept from Claude.
  it("a PostToolUse payload it cannot screen (the API unreachable): blocks, and withholds the result", async () => {
    const payload = { ...BASH, hook_event_name: "PostToolUse", tool_response: { stdout: "export GH=ghp_R7kq2VbX9mWc4LpZs8TnY3dHf6JgA1eQo5Ui" } };
    const run = await runHook(["hook", "claude-code"], JSON.stringify(payload), { GATEHOUSE_API_KEY: "gh_agt_xxxxxxxxxxxxxxxxxxxxxxxx", GATEHOUSE_BASE_URL: "http://127.0.0.1:9" });
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as { decision?: string; reason?: string; hookSpecificOutput?: Record<string, unknown> };
    expect(printed).toMatchObject({ decision: "block", reason: expect.stringMatching(/could not screen/), hookSpecificOutput: { hookEventName: "PostToolUse" } });
    expect(run.stdout).not.toContain("ghp_R7kq2VbX9mWc4LpZs8TnY3dHf6JgA1eQo5Ui");
  });

  it('a key the API does not know: prints the API\'s own deny, which says so (it was "the API answered 200 without a decision")', async () => {
    const run = await runHook(["hook", "claude-code"], JSON.stringify(BASH), { GATEHOUSE_API_KEY: `gh_agt_${"x".repeat(32)}`, GATEHOUSE_BASE_URL: baseUrl });
    expect(run.code).toBe(0);
    expect(run.answer?.permissionDecision).toBe("deny");
    expect(run.answer?.permissionDecisionReason).toMatch(/^Gatehouse could not decide this call, so it may not run: .*API key.*\(request [^)]+\)$/i);
    expect(run.answer?.permissionDecisionReason).not.toMatch(/without a decision/);
  });

  it("an answer that is no decision of Gatehouse's (a proxy's 200 page, an empty object) is a deny", async () => {
    const { createServer } = await import("node:http");
    for (const body of [
      "{}",
      "<html>ok</html>",
      JSON.stringify({ hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "allow", permissionDecisionReason: "x" } }),
    ]) {
      // The last one is a well-formed allow, but without Gatehouse's status header: not an answer of ours.
      const server = createServer((_request, response) => response.writeHead(200, { "content-type": "application/json" }).end(body));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const { port } = server.address() as { port: number };
      const run = await runHook(["hook", "claude-code"], JSON.stringify(BASH), { GATEHOUSE_API_KEY: org.agent.apiKey, GATEHOUSE_BASE_URL: `http://127.0.0.1:${port}` });
      server.close();
      expect([run.code, run.answer?.permissionDecision], body).toEqual([0, "deny"]);
    }
  });

  it("setup saves the agent's key in a file only its user reads and prints settings without it; the installed command decides with it", async () => {
    const config = mkdtempSync(join(tmpdir(), "gatehouse-hook-setup-"));
    try {
      const env = { GATEHOUSE_API_KEY: org.agent.apiKey, GATEHOUSE_BASE_URL: baseUrl, XDG_CONFIG_HOME: config };
      const keyFile = join(config, "gatehouse", "hooks", "claude-code.key");
      const command = await runHook(["hook", "setup", "claude-code"], "", env);
      expect([command.code, command.stdout.includes(org.agent.apiKey)]).toEqual([0, false]);
      const settings = JSON.parse(command.stdout.replace(/^\/\/.*\n/, "")) as {
        hooks: { PreToolUse: Array<{ matcher: string; hooks: Array<{ type: string; command: string; timeout: number }> }> };
      };
      expect(settings.hooks.PreToolUse[0]).toEqual({
        matcher: "*",
        hooks: [{ type: "command", command: `gatehouse hook claude-code --base-url ${baseUrl} --key-file ${keyFile} || exit 2`, timeout: 330 }],
      });
      expect([readFileSync(keyFile, "utf8").trim(), statSync(keyFile).mode & 0o777]).toEqual([org.agent.apiKey, 0o600]);
      // The command as the agent runs it: no key in its environment or on its command line.
      const argv = (settings.hooks.PreToolUse[0]?.hooks[0]?.command ?? "")
        .replace(/ \|\| exit 2$/, "")
        .split(" ")
        .slice(1);
      const decided = await runHook(argv, JSON.stringify(BASH), { XDG_CONFIG_HOME: config });
      expect([decided.code, decided.answer?.permissionDecision, decided.stderr]).toEqual([0, "allow", ""]);
      // Readable by others: refused, and the tool does not run.
      chmodSync(keyFile, 0o644);
      const exposed = await runHook(argv, JSON.stringify(BASH), { XDG_CONFIG_HOME: config });
      expect(exposed.answer).toEqual({ ...hookFailure("").hookSpecificOutput, permissionDecisionReason: expect.stringMatching(/readable by other users/) });

      const http = await runHook(["hook", "setup", "claude-code", "--http"], "", env);
      expect(http.stdout).toContain(`"url": "${baseUrl}/v1/hooks/claude-code?waitSeconds=25"`);
      expect(http.stdout).toContain(`"Authorization": "Bearer $GATEHOUSE_API_KEY"`);
      expect(http.stdout).not.toContain(org.agent.apiKey);
      const codex = await runHook(["hook", "setup", "codex", "--wait", "60"], "", env);
      expect(codex.stdout).toContain(
        `command = "gatehouse hook codex --base-url ${baseUrl} --key-file ${join(config, "gatehouse", "hooks", "codex.key")} --wait 60 || exit 2"\ntimeout = 90`,
      );
      expect(codex.stdout).not.toContain(org.agent.apiKey);
      const refused = await runHook(["hook", "setup", "codex"], "", { ...env, GATEHOUSE_API_KEY: org.adminKey.apiKey });
      expect([refused.code, refused.stderr]).toEqual([2, expect.stringContaining("agent's key")]);
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
  });
});
