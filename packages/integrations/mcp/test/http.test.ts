/**
 * The proxy over Streamable HTTP in both directions, as one process: `gatehouse mcp-proxy --http`
 * serves clients over HTTP, and `--upstream-url` reaches the fixture server over HTTP. Two clients
 * negotiate the current protocol revision and the previous one; `--hide-denied` leaves out exactly the
 * tools no arguments could make usable; the endpoint refuses another Host (DNS rebinding) and an
 * unknown session.
 */
import { request } from "node:http";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, stopApp } from "../../../../apps/api/test/helpers.ts";
import { call, decisionOf, FIXTURE, newLog, overHttp, ranIn, serving, servingCli, textOf, type Connected, type Served } from "./helpers.ts";

/** The revision before the current one, which clients in the field still speak. */
const PREVIOUS_PROTOCOL_VERSION = "2025-06-18";

let app: FastifyInstance;
let org: TestOrg;
const log = newLog();
const running: Served[] = [];
const clients: Connected[] = [];
let gateway: Served;

beforeAll(async () => {
  app = await startApp();
  const baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
  org = await createTestOrg({
    label: "mcp-http",
    policies: [
      { name: "reads", actions: ["mcp.fixture.read_file"], effect: "allow" },
      { name: "flaky", actions: ["mcp.fixture.flaky"], effect: "allow" },
      { name: "no-deletes", actions: ["mcp.fixture.delete_repo"], effect: "deny" },
      { name: "deploys", actions: ["mcp.fixture.deploy"], effect: "require_approval" },
      { name: "tmp-writes", actions: ["mcp.fixture.write_file"], effect: "allow", when: { field: "metadata.arguments.path", op: "matches", value: "^/tmp/" } },
    ],
  });
  const fixture = await serving(process.execPath, [FIXTURE, log, "--http", "0"], {}, /fixture on (http:\/\/\S+\/mcp)/);
  running.push(fixture);
  gateway = await servingCli(["mcp-proxy", "--http", "--port", "0", "--hide-denied", "--upstream-url", fixture.url], {
    GATEHOUSE_API_KEY: org.agent.apiKey,
    GATEHOUSE_BASE_URL: baseUrl,
  });
  running.push(gateway);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.close()));
  await Promise.allSettled(running.map((served) => served.stop()));
  await stopApp(app);
});

describe("gatehouse mcp-proxy --http --upstream-url", () => {
  it("serves clients of the current and the previous protocol revision, each its own session", async () => {
    expect(SUPPORTED_PROTOCOL_VERSIONS).toContain(PREVIOUS_PROTOCOL_VERSION);
    const latest = await overHttp(gateway.url);
    const previous = await overHttp(gateway.url, { version: PREVIOUS_PROTOCOL_VERSION });
    clients.push(latest, previous);
    expect([latest.negotiated(), previous.negotiated()]).toEqual([LATEST_PROTOCOL_VERSION, PREVIOUS_PROTOCOL_VERSION]);

    for (const [client, path] of [
      [latest, "/tmp/latest"],
      [previous, "/tmp/previous"],
    ] as const) {
      const names = (await client.client.listTools()).tools.map((tool) => tool.name);
      // delete_repo: a deny without conditions; unlisted: no policy at all. write_file's allow depends on its path, so it stays.
      expect(names).toEqual(["gatehouse_await_approval", "read_file", "deploy", "flaky", "write_file"]);
      const read = await call(client, "read_file", { path });
      expect([textOf(read), decisionOf(read)?.status]).toEqual([`contents of ${path}`, "executed"]);
    }
    const hidden = await call(previous, "delete_repo", { repo: "acme/api" });
    expect([hidden.isError, decisionOf(hidden)?.denialReason]).toEqual([true, "CONDITIONS_DENIED"]);
    const outside = await call(latest, "write_file", { path: "/etc/passwd", text: "x" });
    expect([outside.isError, decisionOf(outside)?.denialReason]).toEqual([true, "NO_POLICY"]);
    expect(ranIn(log)).toEqual([
      { tool: "read_file", args: { path: "/tmp/latest" } },
      { tool: "read_file", args: { path: "/tmp/previous" } },
    ]);
  }, 60_000);

  it("refuses a request whose Host is not the proxy's own address, and a session it does not know", async () => {
    const url = new URL(gateway.url);
    const initialize = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "page", version: "1" } },
    });
    const post = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request(url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end(initialize);
      });
    expect(await post({ host: `attacker.example:${url.port}` })).toBe(403);
    expect(await post({ "mcp-session-id": "0b5e4d0c-0000-4000-8000-000000000000" })).toBe(404);
  });
});
