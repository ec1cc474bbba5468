/**
 * The tool-result screen where the agent runs the tool itself (docs/guardrails.md, What the model reads):
 * `gatehouse mcp-server`'s report_outcome with a `result` (over stdio, with the official MCP client), and
 * `gatehouse hook claude-code` on a PostToolUse payload (the real CLI process, stdin in, stdout out),
 * both against the real API, with an org's own detector added through the API.
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import { Gatehouse } from "@gatehouse/sdk";
import { WITHHELD_TOOL_RESULT } from "@gatehouse/core/model-traffic";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, stopApp } from "../../../../apps/api/test/helpers.ts";
import { addOrgDetector, ORG_PLACEHOLDER, ORG_SECRET } from "../../org-detector.testing.ts";
import { call, CLI, overStdio, ROOT, textOf } from "./helpers.ts";

let app: FastifyInstance;
let baseUrl = "";
let org: TestOrg;

beforeAll(async () => {
  app = await startApp();
  baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
  org = await createTestOrg({ label: "tool-result-screen", policies: [{ name: "all", actions: ["*"], effect: "allow" }] });
  await addOrgDetector(baseUrl, org.adminKey.apiKey);
}, 60_000);

afterAll(async () => {
  await stopApp(app);
});

const outcomes = async () => (await new Gatehouse({ apiKey: org.agent.apiKey, baseUrl }).audit.list({ type: "action.outcome", limit: 50 })).events;

describe("gatehouse mcp-server: report_outcome with the action's result", () => {
  it("answers the result with the org's detector's value redacted, and records the finding (never the value) on the outcome", async () => {
    const server = await overStdio(["mcp-server"], { GATEHOUSE_API_KEY: org.agent.apiKey, GATEHOUSE_BASE_URL: baseUrl });
    try {
      const decided = await call(server, "request_approval", { actionType: "ticket.read" });
      const { auditEventId } = decided.structuredContent as { auditEventId: string };
      const reported = await call(server, "report_outcome", { auditEventId, status: "success", result: `ticket T-1: key ${ORG_SECRET} is open` });
      const screened = reported.structuredContent as { result: string; withheld: boolean };
      expect(screened.withheld).toBe(false);
      expect(screened.result).toMatch(new RegExp(`^ticket T-1: key ${ORG_PLACEHOLDER.source} is open$`));
      expect(JSON.stringify(reported)).not.toContain(ORG_SECRET);
      expect(textOf(reported)).toContain("acme_ticket_key redacted");
      const outcome = (await outcomes()).find((e) => (e.data as { auditEventId?: string }).auditEventId === auditEventId || e.id === auditEventId);
      expect(JSON.stringify(await outcomes())).not.toContain(ORG_SECRET);
      expect(JSON.stringify(outcome ?? (await outcomes())[0])).toContain("acme_ticket_key");
    } finally {
      await server.close();
    }
  }, 60_000);

  it("a decision this server did not make: any finding withholds the whole result (its rules are unknown, so the strictest)", async () => {
    const made = await new Gatehouse({ apiKey: org.agent.apiKey, baseUrl }).execute("ticket.read");
    const server = await overStdio(["mcp-server"], { GATEHOUSE_API_KEY: org.agent.apiKey, GATEHOUSE_BASE_URL: baseUrl });
    try {
      const reported = await call(server, "report_outcome", { auditEventId: made.auditEventId, status: "success", result: { body: `key ${ORG_SECRET}` } });
      expect(reported.structuredContent as { result: unknown; withheld: boolean }).toMatchObject({ result: WITHHELD_TOOL_RESULT, withheld: true });
      expect(JSON.stringify(reported)).not.toContain(ORG_SECRET);
    } finally {
      await server.close();
    }
  }, 60_000);
});

/** Runs `gatehouse hook claude-code` as Claude Code does: the payload on stdin, the answer on stdout. */
function hook(payload: unknown, env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [...CLI, "hook", "claude-code"], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["pipe", "pipe", "ignore"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolveRun({ code, stdout }));
    child.stdin.end(JSON.stringify(payload));
  });
}

describe("gatehouse hook claude-code on PostToolUse", () => {
  const call = (tool: string, id: string, response: unknown) => ({
    hook_event_name: "PostToolUse",
    tool_name: tool,
    tool_input: { id: "T-1" },
    tool_response: response,
    tool_use_id: id,
    session_id: "s-post",
  });

  it("an MCP tool: its output is replaced by the screened one, Claude is told, and the finding goes on the outcome of the PreToolUse decision", async () => {
    const env = { GATEHOUSE_API_KEY: org.agent.apiKey, GATEHOUSE_BASE_URL: baseUrl, HOME: mkdtempSync(`${tmpdir()}/gh-hook-`) };
    const pre = await hook({ ...call("mcp__tickets__read", "toolu_post_1", null), hook_event_name: "PreToolUse", tool_response: undefined }, env);
    expect(JSON.parse(pre.stdout).hookSpecificOutput.permissionDecision).toBe("allow");
    const response = { content: [{ type: "text", text: `ticket T-1: key ${ORG_SECRET} is open` }] };
    const post = await hook(call("mcp__tickets__read", "toolu_post_1", response), env);
    expect(post.code).toBe(0);
    const answer = JSON.parse(post.stdout) as { decision: string; reason: string; hookSpecificOutput: { updatedMCPToolOutput: { content: Array<{ text: string }> } } };
    expect(post.stdout).not.toContain(ORG_SECRET);
    expect(answer.decision).toBe("block");
    expect(answer.reason).toContain("acme_ticket_key");
    expect(answer.hookSpecificOutput.updatedMCPToolOutput.content[0]?.text).toMatch(new RegExp(`^ticket T-1: key ${ORG_PLACEHOLDER.source} is open$`));
    const recorded = await outcomes();
    expect(JSON.stringify(recorded)).toContain("acme_ticket_key");
    expect(JSON.stringify(recorded)).not.toContain(ORG_SECRET);
  }, 60_000);

  it("a result with nothing to keep from Claude: the hook changes nothing", async () => {
    const env = { GATEHOUSE_API_KEY: org.agent.apiKey, GATEHOUSE_BASE_URL: baseUrl, HOME: mkdtempSync(`${tmpdir()}/gh-hook-`) };
    const post = await hook(call("Bash", "toolu_post_2", { stdout: "3 files", stderr: "" }), env);
    expect([post.code, JSON.parse(post.stdout)]).toEqual([0, {}]);
  }, 60_000);

  it("fails closed: with Gatehouse unreachable, an MCP tool's output is withheld and Claude is told why", async () => {
    const env = { GATEHOUSE_API_KEY: org.agent.apiKey, GATEHOUSE_BASE_URL: "http://127.0.0.1:9", HOME: mkdtempSync(`${tmpdir()}/gh-hook-`) };
    const post = await hook(call("mcp__tickets__read", "toolu_post_3", { content: [{ type: "text", text: `key ${ORG_SECRET}` }] }), env);
    expect(post.stdout).not.toContain(ORG_SECRET);
    const answer = JSON.parse(post.stdout) as {
      decision: string;
      reason: string;
      hookSpecificOutput: { updatedMCPToolOutput: { content: Array<{ text: string }>; isError: boolean } };
    };
    expect(answer.decision).toBe("block");
    expect(answer.reason).toContain("could not screen");
    expect(answer.hookSpecificOutput.updatedMCPToolOutput).toEqual({ content: [{ type: "text", text: WITHHELD_TOOL_RESULT }], isError: true });
  }, 60_000);
});
