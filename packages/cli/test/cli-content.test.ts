import { describe, expect, it } from "vitest";
import { EXIT_OK, EXIT_USAGE } from "../src/cli.ts";
import { json, runCli } from "./helpers.ts";

const SETTINGS = "https://gh.example.com/v1/admin/settings";
const settings = {
  circuitBreaker: { failureThreshold: 10, windowSeconds: 60, cooldownSeconds: 30 },
  approvalTimeoutSeconds: 3600,
  content: { secrets: "redact", personalData: "flag" },
};

describe("gatehouse settings content", () => {
  it("get prints what happens to each class, and what each action does", async () => {
    const run = await runCli(["settings", "content", "get"], [json(200, settings)]);
    expect([run.code, run.calls[0]?.url]).toEqual([EXIT_OK, SETTINGS]);
    expect(run.stdout).toBe(
      [
        "Secrets:       redact (the value is replaced by a placeholder before anything is written)",
        "Personal data: flag (the value is kept as sent, and named in the call's findings)",
        "A policy's content rules override these for the calls it matches; the strictest matching one wins.",
        "",
      ].join("\n"),
    );
    const asJson = await runCli(["settings", "content", "get", "--json"], [json(200, settings)]);
    expect(JSON.parse(asJson.stdout)).toEqual({ secrets: "redact", personalData: "flag" });
  });

  it("set PATCHes only the classes given and prints the rules as they now stand", async () => {
    const run = await runCli(["settings", "content", "set", "--secrets", "deny"], [json(200, { ...settings, content: { secrets: "deny", personalData: "flag" } })]);
    expect([run.code, run.calls[0]?.init.method, run.calls[0]?.body]).toEqual([EXIT_OK, "PATCH", { content: { secrets: "deny" } }]);
    expect(run.stdout).toMatch(/^Done\.\nSecrets: {7}deny \(the call is refused/);
    const both = await runCli(["settings", "content", "set", "--secrets", "redact", "--personal-data", "redact"], [json(200, settings)]);
    expect(both.calls[0]?.body).toEqual({ content: { secrets: "redact", personalData: "redact" } });
    const prompts = { ...settings, content: { ...settings.content, promptSecrets: "deny", promptPersonalData: "redact" } };
    const prompt = await runCli(["settings", "content", "set", "--prompt-secrets", "deny"], [json(200, prompts)]);
    expect(prompt.calls[0]?.body).toEqual({ content: { promptSecrets: "deny" } });
    expect(prompt.stdout).toContain("In prompts to model providers (the model-client wrappers, docs/guardrails.md):\n  secrets:       deny (the call is refused");
    const sure = { ...settings, content: { ...settings.content, minConfidence: "high" } };
    const confidence = await runCli(["settings", "content", "set", "--min-confidence", "high"], [json(200, sure)]);
    expect(confidence.calls[0]?.body).toEqual({ content: { minConfidence: "high" } });
    expect(confidence.stdout).toContain("Minimum confidence: high (only self-identifying or check-digit formats are redacted or refused; the rest only flagged)\n");
    const bad = await runCli(["settings", "content", "set", "--prompt-personal-data", "hide"], []);
    expect([bad.code, bad.calls.length]).toEqual([EXIT_USAGE, 0]);
  });

  it("a loosening under the two-admin rule is not applied: it names the approval that waits", async () => {
    const pending = {
      status: "pending_approval",
      approvalId: "apr_1",
      weakened: [{ path: "content.secrets", before: "redact", after: "off", weakening: "secrets are no longer looked for" }],
    };
    const run = await runCli(["settings", "content", "set", "--secrets", "off"], [json(202, pending)]);
    expect(run.stdout).toBe("Not applied yet: this change weakens enforcement (content.secrets) while the two-admin rule is on.\nAnother owner or admin must approve apr_1.\n");
    const asJson = await runCli(["settings", "content", "set", "--secrets", "off", "--json"], [json(202, pending)]);
    expect(JSON.parse(asJson.stdout)).toEqual(pending);
  });

  it("settings get and set are still what they were: content get is not settings get", async () => {
    const run = await runCli(["settings", "get"], [json(200, settings)]);
    expect(run.stdout).toMatch(/^Default approval timeout: 3600 s\n/);
  });

  it.each<[string, string[], string]>([
    [
      "set without a class",
      ["settings", "content", "set"],
      "error: settings content set needs at least one of --secrets, --personal-data, --prompt-secrets, --prompt-personal-data <action> or --min-confidence <level>",
    ],
    ["set with an unknown action", ["settings", "content", "set", "--personal-data", "mask"], 'error: --personal-data must be one of deny, redact, flag, off, not "mask"'],
    ["set with an unknown confidence", ["settings", "content", "set", "--min-confidence", "certain"], 'error: --min-confidence must be one of low, medium, high, not "certain"'],
    ["get with an argument", ["settings", "content", "get", "secrets"], 'error: unexpected argument "secrets"'],
    ["an option of settings set", ["settings", "content", "set", "--loops", "off"], "error: settings content set does not take --loops"],
  ])("%s: exit 2 naming it, no call", async (_case, argv, message) => {
    const run = await runCli(argv, []);
    expect([run.code, run.stderr, run.calls.length]).toEqual([EXIT_USAGE, `${message}\nRun gatehouse --help for usage.\n`, 0]);
  });
});
