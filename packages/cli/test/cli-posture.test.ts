import { describe, expect, it } from "vitest";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../src/cli.ts";
import { ADMIN_KEY, apiError, json, runCli } from "./helpers.ts";

const empty = { score: 25, max: 25, findings: [] };
const posture = {
  score: 72,
  components: {
    policyCoverage: {
      score: 20,
      max: 25,
      findings: [
        {
          id: "coverage.no_policy_denials",
          severity: "medium",
          points: 5,
          message: "1 of 6 decisions (17 %) in the last 30 days were denied with NO_POLICY.",
          fix: "Write policies for the actions your agents attempt.",
          href: "/policies",
        },
      ],
    },
    humanOversight: empty,
    identityAccess: empty,
    auditIntegrity: {
      score: 2,
      max: 25,
      findings: [
        { id: "audit.verification_failed", severity: "critical", points: 15, message: "The last verification found it invalid.", fix: "Investigate at once.", href: "/audit" },
        { id: "audit.old_signing_key", severity: "medium", points: 8, message: "The active signing key is old.", fix: "Rotate it.", href: "/audit" },
      ],
    },
  },
  windowDays: 30,
  computedAt: "2026-11-22T18:00:00.123Z",
  retention: {
    rule: "Values of erasable fields are erased after: decisions 30 days (the shortest rule that reaches an entry holds). The entries and their hashes stay.",
    settings: { decisions: 30, outcomes: 0, postconditions: 0, evidence: 0, personalData: 0, secrets: 0, entries: 0 },
    lastSweepAt: "2026-11-22T17:00:00.000Z",
    sweeps: 1,
    entriesSwept: 12,
  },
};

describe("gatehouse posture", () => {
  it("prints the score, a table of components, and each finding with its fix", async () => {
    const run = await runCli(["posture"], [json(200, posture)]);
    expect(run.code).toBe(EXIT_OK);
    expect(run.stdout).toBe(
      [
        "Posture: 72/100 (last 30 days, computed 2026-11-22T18:00:00Z)",
        "",
        "COMPONENT            SCORE  FINDINGS",
        "Policy coverage      20/25  1",
        "Human oversight      25/25  0",
        "Identity and access  25/25  0",
        "Audit integrity      2/25   2",
        "",
        "Findings:",
        "  -5  medium    coverage.no_policy_denials",
        "      1 of 6 decisions (17 %) in the last 30 days were denied with NO_POLICY.",
        "      Fix: Write policies for the actions your agents attempt. (console: /policies)",
        "  -15  critical  audit.verification_failed",
        "      The last verification found it invalid.",
        "      Fix: Investigate at once. (console: /audit)",
        "  -8  medium    audit.old_signing_key",
        "      The active signing key is old.",
        "      Fix: Rotate it. (console: /audit)",
        "",
        "Retention: Values of erasable fields are erased after: decisions 30 days (the shortest rule that reaches an entry holds). The entries and their hashes stay. Last sweep 2026-11-22T17:00:00Z; 12 entries erased in the window.",
        "",
      ].join("\n"),
    );
    expect([run.calls[0]?.init.method, run.calls[0]?.url, run.calls[0]?.headers.get("authorization")]).toEqual(["GET", "https://gh.example.com/v1/posture", `Bearer ${ADMIN_KEY}`]);
  });

  it("--json prints the answer as it came; no findings says so", async () => {
    const json1 = await runCli(["posture", "--json"], [json(200, posture)]);
    expect(JSON.parse(json1.stdout)).toEqual(posture);
    const clean = { ...posture, score: 100, components: { policyCoverage: empty, humanOversight: empty, identityAccess: empty, auditIntegrity: empty } };
    const run = await runCli(["posture"], [json(200, clean)]);
    expect(run.stdout).toContain("\nNo findings.\n");
    // A server before retention sends none: the line is left out.
    const older = await runCli(["posture"], [json(200, { ...clean, retention: undefined })]);
    expect(older.stdout.endsWith("\nNo findings.\n")).toBe(true);
  });

  it("takes an agent's key", async () => {
    const run = await runCli(["posture", "--api-key", "gh_agent_abc"], [json(200, posture)]);
    expect([run.code, run.calls[0]?.headers.get("authorization")]).toEqual([EXIT_OK, "Bearer gh_agent_abc"]);
  });

  it("a failed call is exit status 1; an unknown flag or argument is 2 and calls nothing", async () => {
    const failed = await runCli(["posture"], [apiError(403, "FORBIDDEN")]);
    expect([failed.code, failed.stderr]).toEqual([EXIT_FAILURE, "error: FORBIDDEN happened (status 403, request id req_403)\n"]);
    const flag = await runCli(["posture", "--since", "x"], []);
    const arg = await runCli(["posture", "extra"], []);
    expect([flag.code, flag.calls.length, arg.code, arg.calls.length]).toEqual([EXIT_USAGE, 0, EXIT_USAGE, 0]);
  });

  it("--help explains the score", async () => {
    const run = await runCli(["posture", "--help"], []);
    expect([run.code, run.stdout.startsWith("Usage: gatehouse posture [--json]")]).toEqual([EXIT_OK, true]);
  });
});
