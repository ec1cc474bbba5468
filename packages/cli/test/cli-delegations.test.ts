import { describe, expect, it } from "vitest";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../src/cli.ts";
import { ADMIN_KEY, apiError, approvalObject, eventStream, json, runCli, sseEvent } from "./helpers.ts";

const NOW = Date.parse("2026-11-22T12:30:00Z");
const link = (id: string, name: string, child: string, parentDelegationId: string | null, overrides: Record<string, unknown> = {}) => ({
  id,
  name,
  parentAgentId: "agt_1",
  childAgentId: child,
  rootAgentId: "agt_1",
  capabilities: ["pr.read"],
  depth: 1,
  expiresAt: "2026-11-22T13:00:00.000Z",
  revokedAt: null,
  createdAt: "2026-11-22T12:00:00.000Z",
  parentDelegationId,
  ...overrides,
});
const tree = {
  agentId: "agt_1",
  delegations: [
    link("dlg_1", "reader", "agt_7", null, { capabilities: ["pr.read", "pr.comment"] }),
    link("dlg_3", "scanner", "agt_9", null, { expiresAt: "2026-11-22T12:10:00.000Z" }),
    link("dlg_2", "reader.lint", "agt_8", "dlg_1", { parentAgentId: "agt_7", depth: 2, revokedAt: "2026-11-22T12:20:00.000Z" }),
  ],
};
const agent = (id: string, name: string) => ({
  id,
  name,
  description: null,
  labels: {},
  status: "active",
  haltedAt: null,
  haltedReason: null,
  cbState: "closed",
  createdAt: "2026-11-01T10:00:00.000Z",
});

describe("gatehouse delegations", () => {
  it("list --agent prints the agent's tree, each delegation indented under the one that made it, with its state", async () => {
    const run = await runCli(["delegations", "list", "--agent", "agt_1"], [json(200, tree)], { now: () => NOW });
    expect([run.code, run.stderr]).toEqual([EXIT_OK, ""]);
    expect(run.stdout).toBe(
      [
        "agt_1",
        "  dlg_1    reader       agt_7  pr.read,pr.comment  active until 2026-11-22T13:00:00Z",
        "    dlg_2  reader.lint  agt_8  pr.read             revoked 2026-11-22T12:20:00Z",
        "  dlg_3    scanner      agt_9  pr.read             expired 2026-11-22T12:10:00Z",
        "",
      ].join("\n"),
    );
    expect([run.calls[0]?.init.method, run.calls[0]?.url, run.calls[0]?.headers.get("authorization")]).toEqual([
      "GET",
      "https://gh.example.com/v1/admin/delegations?agentId=agt_1",
      `Bearer ${ADMIN_KEY}`,
    ]);
    const asJson = await runCli(["delegations", "list", "--agent", "agt_1", "--json"], [json(200, tree)]);
    expect(JSON.parse(asJson.stdout)).toEqual(tree);
    const empty = await runCli(["delegations", "list", "--agent", "agt_2"], [json(200, { agentId: "agt_2", delegations: [] })]);
    expect(empty.stdout).toBe("No delegations below agt_2.\n");
  });

  it("list without --agent prints the tree of every agent that has delegations, a delegate's only inside its root's", async () => {
    const delegateTree = {
      agentId: "agt_7",
      delegations: [link("dlg_2", "reader.lint", "agt_8", null, { parentAgentId: "agt_7", depth: 2, revokedAt: "2026-11-22T12:20:00.000Z" })],
    };
    const agents = json(200, { agents: [agent("agt_1", "build-agent"), agent("agt_2", "idle"), agent("agt_7", "build-agent.reader")] });
    const treeOf = (url: string) => {
      const id = new URL(url).searchParams.get("agentId");
      return Promise.resolve(json(200, id === "agt_1" ? tree : id === "agt_7" ? delegateTree : { agentId: id, delegations: [] }));
    };
    const run = await runCli(["delegations", "list"], [agents, treeOf, treeOf, treeOf], { now: () => NOW });
    expect([run.code, run.stderr]).toEqual([EXIT_OK, ""]);
    expect(run.stdout.split("\n")[0]).toBe("agt_1 (build-agent)");
    expect(run.stdout).not.toContain("agt_7 (");
    expect(run.stdout.match(/dlg_2/g)).toHaveLength(1);
    expect(run.calls.map((call) => call.url.replace("https://gh.example.com", ""))).toEqual([
      "/v1/admin/agents",
      "/v1/admin/delegations?agentId=agt_1",
      "/v1/admin/delegations?agentId=agt_2",
      "/v1/admin/delegations?agentId=agt_7",
    ]);
    const none = await runCli(["delegations", "list"], [json(200, { agents: [agent("agt_2", "idle")] }), json(200, { agentId: "agt_2", delegations: [] })]);
    expect(none.stdout).toBe("No delegations.\n");
  });

  it("revoke DELETEs the delegation and says how many were revoked; again, that nothing was", async () => {
    const run = await runCli(["delegations", "revoke", "dlg_1"], [json(200, { revoked: ["dlg_1", "dlg_2", "dlg_4"] })]);
    expect([run.code, run.stdout, run.stderr]).toEqual([EXIT_OK, "Revoked dlg_1 and 2 delegations below it: their keys no longer work.\n", ""]);
    expect([run.calls[0]?.init.method, run.calls[0]?.url]).toEqual(["DELETE", "https://gh.example.com/v1/delegations/dlg_1"]);
    const one = await runCli(["delegations", "revoke", "dlg_2"], [json(200, { revoked: ["dlg_2"] })]);
    expect(one.stdout).toBe("Revoked dlg_2: their keys no longer work.\n");
    const again = await runCli(["delegations", "revoke", "dlg_1"], [json(200, { revoked: [] })]);
    expect(again.stdout).toBe("Nothing to revoke: dlg_1 was revoked already.\n");
  });

  it("a refused or unknown delegation is exit status 1 with the server's message", async () => {
    const run = await runCli(["delegations", "revoke", "dlg_x"], [apiError(404, "NOT_FOUND")]);
    expect([run.code, run.stdout, run.stderr]).toEqual([EXIT_FAILURE, "", "error: NOT_FOUND happened (status 404, request id req_404)\n"]);
  });

  it("help, and command-line mistakes (exit status 2)", async () => {
    const help = await runCli(["delegations", "--help"], []);
    expect([help.code, help.stdout]).toEqual([EXIT_OK, expect.stringContaining("Usage: gatehouse delegations <list|revoke>")]);
    const listHelp = await runCli(["delegations", "list", "--help"], []);
    expect(listHelp.stdout).toContain("--agent <agent-id>");
    const main = await runCli(["--help"], []);
    expect(main.stdout).toContain("delegations revoke <id>");
    for (const argv of [["delegations"], ["delegations", "revoke"], ["delegations", "revoke", "a", "b"], ["delegations", "list", "--reason", "x"], ["delegations", "prune"]]) {
      const run = await runCli(argv, []);
      expect(run.code, argv.join(" ")).toBe(EXIT_USAGE);
      expect(run.calls).toHaveLength(0);
    }
  });

  it("tail prints delegation events with the delegation and the child, and - for the action type", async () => {
    const created = sseEvent(50, "delegation.created", {
      actionType: undefined,
      actionId: undefined,
      delegationId: "dlg_1",
      childAgentId: "agt_7",
      parentAgentId: "agt_1",
      capabilities: ["pr.read"],
      depth: 1,
    });
    const interrupt = new AbortController();
    const run = await runCli(["tail"], [eventStream([created], { open: true })], {
      signal: interrupt.signal,
      onStdout: (stdout) => {
        if (stdout.includes("\n")) interrupt.abort();
      },
    });
    expect([run.code, run.stdout]).toEqual([EXIT_OK, "2025-06-01T12:00:00Z  #50  delegation.created  -  agent=agt_1 delegation=dlg_1 child=agt_7\n"]);
  });

  it("approvals list and a vote name a delegate's chain, root first", async () => {
    const asked = approvalObject({
      agentName: "reader-2",
      delegation: { rootAgentId: "agt_1", rootAgentName: "build-agent", depth: 2, chain: ["build-agent", "reader", "reader-2"] },
    });
    const list = await runCli(["approvals", "list"], [json(200, { approvals: [asked, approvalObject({ id: "apr_2", delegation: null })], nextCursor: null })]);
    expect(list.stdout.split("\n").slice(1, 3)).toEqual([
      expect.stringMatching(/^apr_1 +reader-2 \(delegated by build-agent > reader\) +pr\.merge +pending/),
      expect.stringMatching(/^apr_2 +deploy-bot +pr\.merge/),
    ]);
    const vote = await runCli(["approvals", "approve", "apr_1"], [json(200, { ...asked, approvals: 1 })]);
    expect(vote.stdout).toBe("Vote recorded on apr_1 (pr.merge by reader-2 (delegated by build-agent > reader)): 1/2 approvals, waiting for more.\n");
  });
});
