import { describe, expect, it } from "vitest";
import { EXIT_OK, EXIT_USAGE } from "../src/cli.ts";
import { matchOf } from "../src/cli-grants.ts";
import { json, runCli } from "./helpers.ts";

const grant = {
  id: "grt_1",
  agentId: "agt_1",
  agentName: "deployer",
  actionType: "deploy.prod",
  match: { service: "payments", build: 3 },
  approvalId: "apr_1",
  grantedBy: { id: "mem_1", email: "ada@example.test" },
  expiresAt: "2026-11-24T11:00:00.000Z",
  maxUses: 5,
  uses: 1,
  status: "active",
  reason: null,
  createdAt: "2026-11-24T10:00:00.000Z",
  revokedAt: null,
};

describe("gatehouse approvals grant, gatehouse grants", () => {
  it("approvals grant POSTs the duration in seconds, the uses and the match pairs (JSON values as JSON)", async () => {
    const run = await runCli(
      ["approvals", "grant", "apr_1", "--minutes", "30", "--uses", "5", "--match", "service=payments", "--match", "build=3"],
      [json(200, { approval: { id: "apr_1" }, grant })],
    );
    expect(run.code).toBe(EXIT_OK);
    expect(run.calls[0]?.body).toEqual({ durationSeconds: 1800, uses: 5, match: { service: "payments", build: 3 } });
    expect(run.calls[0]?.url).toBe("https://gh.example.com/v1/admin/approvals/apr_1/grant");
    expect(run.stdout).toContain("granted grt_1: deploy.prod by deployer");
  });

  it("grants list and revoke call their routes", async () => {
    const listed = await runCli(["grants", "list", "--all"], [json(200, { grants: [grant] })]);
    expect(listed.calls[0]?.url).toBe("https://gh.example.com/v1/admin/grants?status=all");
    expect(listed.stdout).toContain("grt_1");
    const revoked = await runCli(["grants", "revoke", "grt_1"], [json(200, { ...grant, status: "revoked" })]);
    expect([revoked.calls[0]?.init.method, revoked.stdout]).toEqual(["DELETE", "Revoked grt_1 (deploy.prod by deployer); it was used 1 of 5 times.\n"]);
  });

  it("refuses a grant without --minutes, with bad numbers or a bad pair, before any call", async () => {
    for (const argv of [
      ["approvals", "grant", "apr_1"],
      ["approvals", "grant", "apr_1", "--minutes", "0"],
      ["approvals", "grant", "apr_1", "--minutes", "5", "--uses", "x"],
      ["approvals", "grant", "apr_1", "--minutes", "5", "--match", "novalue"],
    ]) {
      const run = await runCli(argv, []);
      expect([argv.join(" "), run.code, run.calls.length]).toEqual([argv.join(" "), EXIT_USAGE, 0]);
    }
    expect(matchOf(["a=b", "n=2", 'q="2"'])).toEqual({ a: "b", n: 2, q: "2" });
  });
});
