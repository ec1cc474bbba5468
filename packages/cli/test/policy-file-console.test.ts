import { formatPolicySource, policyLibrary, type PolicySourceFormat } from "@gatehouse/core";
import { describe, expect, it } from "vitest";
import { EXIT_OK } from "../src/cli.ts";
import { json, runCli } from "./helpers.ts";

/** A value as PostgreSQL's jsonb gives it back: every object's keys by length, then bytewise. */
function asJsonb(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asJsonb);
  if (typeof value !== "object" || value === null) return value;
  const keys = Object.keys(value).sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((key) => [key, asJsonb((value as Record<string, unknown>)[key])]));
}

// Every policy and test of the template library, plus conditions that nest (any, not, rate) and an
// approval with every field: documents as the database stores them (jsonb reorders keys).
const library = JSON.parse(JSON.stringify(policyLibrary())) as { templates: Array<{ policies: object[]; tests: object[] }> };
const nested = {
  name: "nested",
  description: "Big PRs, or any from a new agent, wait",
  actions: ["pr.merge"],
  agents: ["*"],
  when: {
    any: [
      { field: "metadata.pr_size", op: "gt", value: 50 },
      { not: { field: "agent.labels.team", op: "eq", value: "core" } },
      { rate: { over: 5, windowSeconds: 60, per: "agent" } },
    ],
  },
  effect: "require_approval",
  approval: { quorum: 2, timeoutSeconds: 3600, approverRoles: ["admin"], approvers: ["ana@example.com"], excludeAgentOwner: true },
  mode: "monitor",
};
const documents = [...library.templates.flatMap((t) => t.policies), nested].map(asJsonb) as Array<Record<string, unknown>>;
const tests = library.templates.flatMap((t) => t.tests).map(asJsonb) as object[];

describe("a policy file written by the CLI and by the console's editor", () => {
  it.each<PolicySourceFormat>(["yaml", "json"])("is the same text, byte for byte, for the same set (%s)", async (format) => {
    // The CLI: gatehouse policies export, from GET /v1/admin/policies (each document with its version fields).
    const answer = { policies: documents.map((d, i) => ({ ...d, version: i + 1, versionId: `pov_${i}`, contentHash: "c".repeat(64) })), tests };
    const run = await runCli(["policies", "export", "--format", format], [json(200, answer)]);
    expect(run.code).toBe(EXIT_OK);
    // The console's editor, over an org without a draft: the active set as packages/db's activeSetAsDraft formats it.
    const editor = formatPolicySource({ policies: documents, tests }, format);
    expect(run.stdout).toBe(editor);
  });
});
