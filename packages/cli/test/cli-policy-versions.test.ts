import { describe, expect, it } from "vitest";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../src/cli.ts";
import { apiError, json, runCli } from "./helpers.ts";

const versions = {
  name: "no-deletes",
  status: "active",
  versions: [
    {
      version: 2,
      versionId: "pv_2",
      contentHash: "b".repeat(64),
      document: { name: "no-deletes", actions: ["*.delete"], effect: "deny" },
      createdAt: "2026-11-22T18:00:00.123Z",
      createdBy: { type: "member", id: "mem_1", label: "ada@example.test" },
    },
    { version: 1, versionId: "pv_1", contentHash: "a".repeat(64), document: {}, createdAt: "2026-11-21T09:30:00.000Z", createdBy: null },
  ],
};

describe("gatehouse policies versions", () => {
  it("GETs the policy's versions and prints them newest first with who published each", async () => {
    const run = await runCli(["policies", "versions", "no-deletes"], [json(200, versions)]);
    expect([run.code, run.calls[0]?.init.method, run.calls[0]?.url]).toEqual([EXIT_OK, "GET", "https://gh.example.com/v1/admin/policies/no-deletes/versions"]);
    expect(run.stdout).toBe(
      [
        "no-deletes (active), 2 versions",
        "",
        "VERSION  PUBLISHED             BY                HASH",
        "v2       2026-11-22T18:00:00Z  ada@example.test  bbbbbbbbbbbb",
        "v1       2026-11-21T09:30:00Z  -                 aaaaaaaaaaaa",
        "",
      ].join("\n"),
    );
  });

  it("--json prints the answer as it came", async () => {
    const run = await runCli(["policies", "versions", "no-deletes", "--json"], [json(200, versions)]);
    expect(JSON.parse(run.stdout)).toEqual(versions);
  });

  it("an unknown name is exit status 1; no name, or an extra argument, is 2 and calls nothing", async () => {
    const unknown = await runCli(["policies", "versions", "never-was"], [apiError(404, "NOT_FOUND")]);
    expect(unknown.code).toBe(EXIT_FAILURE);
    const missing = await runCli(["policies", "versions"], []);
    const extra = await runCli(["policies", "versions", "a", "b"], []);
    expect([missing.code, extra.code, missing.calls.length + extra.calls.length]).toEqual([EXIT_USAGE, EXIT_USAGE, 0]);
  });
});
