/**
 * `gatehouse mcp-server` over stdio with the official MCP client: an agent asks explicitly (can_i,
 * request_approval, await_approval, report_outcome), a person decides through the admin API, and an
 * approval is refused for arguments other than the ones it was granted for.
 */
import { db } from "@gatehouse/db";
import { addTestMember, createTestOrg, type TestMember, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, stopApp } from "../../../../apps/api/test/helpers.ts";
import { call, eventually, overStdio, textOf, type Connected } from "./helpers.ts";

let app: FastifyInstance;
let baseUrl = "";
let org: TestOrg;
let approver: TestMember;
let server: Connected;

beforeAll(async () => {
  app = await startApp();
  baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
  org = await createTestOrg({
    label: "mcp-server",
    policies: [
      { name: "reads", actions: ["pr.read"], effect: "allow" },
      { name: "no-deletes", actions: ["repo.delete"], effect: "deny" },
      { name: "deploys", actions: ["deploy.*"], effect: "require_approval" },
    ],
  });
  approver = await addTestMember(org, "approver");
  server = await overStdio(["mcp-server", "--wait-seconds", "1"], { GATEHOUSE_API_KEY: org.agent.apiKey, GATEHOUSE_BASE_URL: baseUrl });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await stopApp(app);
});

async function decide(approvalId: string, decision: "approve" | "deny", reason?: string): Promise<void> {
  const response = await fetch(`${baseUrl}/v1/admin/approvals/${approvalId}/decision`, {
    method: "POST",
    headers: { authorization: `Bearer ${approver.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ decision, ...(reason === undefined ? {} : { reason }) }),
  });
  expect(response.status).toBe(200);
}

const structured = (result: Awaited<ReturnType<typeof call>>) => result.structuredContent as Record<string, unknown>;

describe("gatehouse mcp-server", () => {
  it("lists its four tools", async () => {
    const { tools } = await server.client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(["can_i", "request_approval", "await_approval", "report_outcome"]);
  });

  it("can_i says what would be decided, recording nothing", async () => {
    const allowed = await call(server, "can_i", { actionType: "pr.read", metadata: { pr: 42 } });
    expect(structured(allowed)).toMatchObject({ allowed: true, needsApproval: false, status: "executed", policyName: "reads" });
    const denied = await call(server, "can_i", { actionType: "repo.delete" });
    expect(textOf(denied)).toMatch(/^Would be denied\. Denied by policy 'no-deletes'/);
  });

  it("holds a request for a person; the same requestId re-attaches; await_approval refuses other arguments, then approves these", async () => {
    const asked = { actionType: "deploy.prod", tool: { name: "deploy", arguments: { version: "1" } }, requestId: "deploy-1" };
    const first = structured(await call(server, "request_approval", asked));
    const again = structured(await call(server, "request_approval", asked));
    expect(first).toMatchObject({ status: "requested", approvalId: expect.stringMatching(/^apr_/) });
    expect(again["approvalId"]).toBe(first["approvalId"]);
    const approvalId = String(first["approvalId"]);

    const waiting = await call(server, "await_approval", { approvalId });
    expect([structured(waiting)["status"], textOf(waiting)]).toEqual([
      "requested",
      `Still waiting for a person to decide ${approvalId}: do not act yet. Call await_approval again to keep waiting.`,
    ]);
    await decide(approvalId, "approve");

    const forged = await call(server, "await_approval", { approvalId, tool: { name: "deploy", arguments: { version: "2" } } });
    expect(forged.isError).toBe(true);
    expect(textOf(forged)).toContain("made on other arguments");
    const approved = await call(server, "await_approval", { approvalId, tool: { name: "deploy", arguments: { version: "1" } } });
    expect(structured(approved)).toMatchObject({ status: "executed", approvalId });
    const reported = await call(server, "report_outcome", { auditEventId: structured(approved)["auditEventId"], status: "success", message: "deployed" });
    expect(textOf(reported)).toBe("Recorded: success.");
  }, 30_000);

  it("a reviewer's denial comes back with their reason", async () => {
    const held = structured(await call(server, "request_approval", { actionType: "deploy.staging", metadata: { version: "9" } }));
    await decide(String(held["approvalId"]), "deny", "freeze until Monday");
    const denied = await call(server, "await_approval", { approvalId: held["approvalId"] });
    expect(structured(denied)).toMatchObject({ status: "denied", denialReason: "DENIED_BY_REVIEWER", decisionReason: "freeze until Monday" });
    expect(textOf(denied)).toContain('said: "freeze until Monday"');
  }, 30_000);

  it("names itself as the mcp-server integration", async () => {
    const rows = await eventually(async () => {
      const found = await db().pool.query<{ integration: string; version: string }>(`SELECT integration, version FROM agent_integrations WHERE agent_id = $1`, [org.agent.id]);
      return found.rows.length > 0 ? found.rows : undefined;
    });
    expect(rows).toContainEqual({ integration: "mcp-server", version: "0.1.0" });
  });
});
