import { describe, expect, it } from "vitest";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../src/cli.ts";
import { API_KEY, apiError, json, runCli } from "./helpers.ts";

const ERASURES = "https://gh.example.com/v1/admin/audit/erasures";
const key = (id: string, status: "active" | "retired") => ({
  id,
  vkey: `gatehouse/acme+${id}+AQ`,
  status,
  createdAt: "2026-11-01T00:00:00.000Z",
  retiredAt: status === "retired" ? "2026-11-24T10:00:00.000Z" : null,
});
const rotation = {
  keys: [key("sgk_1", "retired"), key("sgk_2", "active")],
  checkpoint: { treeSize: 42, rootHash: "ab".repeat(32), note: "note", keyId: "sgk_2", createdAt: "2026-11-24T10:00:00.000Z" },
};

describe("gatehouse audit rotate-key", () => {
  it("POSTs the rotation with an idempotency key and prints the new key, the retired one and what to update", async () => {
    const run = await runCli(["audit", "rotate-key"], [json(200, rotation)]);
    expect([run.code, run.calls[0]?.init.method, run.calls[0]?.url]).toEqual([EXIT_OK, "POST", "https://gh.example.com/v1/admin/audit/keys/rotate"]);
    expect(run.calls[0]?.headers.get("idempotency-key")).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.stdout).toBe(
      [
        "Rotated the org's checkpoint signing key.",
        "Active:  sgk_2  gatehouse/acme+sgk_2+AQ",
        "Retired: sgk_1  gatehouse/acme+sgk_1+AQ  (since 2026-11-24T10:00:00Z)",
        `The first checkpoint signed with the new key: tree size 42, root ${"ab".repeat(32)}.`,
        "Update the keys you pinned: gatehouse audit keys > keys.txt",
        "",
      ].join("\n"),
    );
    expect(JSON.parse((await runCli(["audit", "rotate-key", "--json"], [json(200, rotation)])).stdout)).toEqual(rotation);
  });

  it("takes an org admin key only; a role that may not rotate gets the server's refusal (exit 1)", async () => {
    const agent = await runCli(["audit", "rotate-key"], [], { env: { GATEHOUSE_API_KEY: API_KEY } });
    expect([agent.code, agent.stderr.includes("org admin keys start with"), agent.calls.length]).toEqual([EXIT_USAGE, true, 0]);
    expect((await runCli(["audit", "rotate-key"], [apiError(403, "FORBIDDEN")])).code).toBe(EXIT_FAILURE);
  });
});

describe("gatehouse audit erase", () => {
  it("erases the entries named, with the reason, and says what it erased and which entry records it", async () => {
    const run = await runCli(
      ["audit", "erase", "aud_1", "aud_2", "--reason", "GDPR request 42", "--yes"],
      [json(200, { status: "erased", erasureEntryId: "aud_9", erasureSeq: 9, entries: 2, fields: 3 })],
    );
    expect([run.code, run.calls[0]?.init.method, run.calls[0]?.url, run.calls[0]?.body]).toEqual([
      EXIT_OK,
      "POST",
      ERASURES,
      { entryIds: ["aud_1", "aud_2"], reason: "GDPR request 42" },
    ]);
    expect(run.stdout).toBe("Erased 3 fields in 2 entries; entry aud_9 (seq 9) records it. Every checkpoint and proof stays valid. Any other owners are told by email.\n");
  });

  it("erases a subject; nothing left to erase, or a pending approval under the two-admin rule, is said as such", async () => {
    const nothing = await runCli(
      ["audit", "erase", "--subject", "ada@example.com", "--reason", "GDPR request 42", "--yes"],
      [json(200, { status: "erased", erasureEntryId: null, erasureSeq: null, entries: 0, fields: 0 })],
    );
    expect([nothing.calls[0]?.body, nothing.stdout]).toEqual([
      { subject: "ada@example.com", reason: "GDPR request 42" },
      "Nothing left to erase: no field of those entries holds a value any more. Nothing was written.\n",
    ]);
    const pending = { status: "pending_approval", approvalId: "apr_1", entries: 1, fields: 1 };
    const waiting = await runCli(["audit", "erase", "aud_1", "--reason", "r", "--yes"], [json(202, pending)]);
    expect(waiting.stdout).toBe("Nothing erased yet: the two-admin rule is on. Another owner or admin must approve apr_1 to erase 1 field in 1 entry.\n");
    const asJson = await runCli(["audit", "erase", "aud_1", "--reason", "r", "--yes", "--json"], [json(202, pending)]);
    expect(JSON.parse(asJson.stdout)).toEqual(pending);
  });

  it("an entry the server cannot erase (the first entry format) or a non-owner is the server's refusal, exit 1", async () => {
    expect((await runCli(["audit", "erase", "aud_1", "--reason", "r", "--yes"], [apiError(400, "VALIDATION")])).code).toBe(EXIT_FAILURE);
    expect((await runCli(["audit", "erase", "aud_1", "--reason", "r", "--yes"], [apiError(403, "FORBIDDEN")])).code).toBe(EXIT_FAILURE);
  });

  it.each<[string, string[], string]>([
    [
      "without what to erase",
      ["audit", "erase", "--reason", "r", "--yes"],
      "error: audit erase needs what to erase: entry ids (gatehouse audit erase aud_… --reason …) or --subject <text>",
    ],
    [
      "with entries and a subject",
      ["audit", "erase", "aud_1", "--subject", "ada@example.com", "--reason", "r", "--yes"],
      "error: audit erase takes entry ids or --subject, not both",
    ],
    ["with something that is no entry id", ["audit", "erase", "aud_1", "42", "--reason", "r", "--yes"], 'error: "42" is not an audit entry id (aud_…)'],
    [
      "with a short subject",
      ["audit", "erase", "--subject", "  ada  ", "--reason", "r", "--yes"],
      "error: --subject must be at least 6 characters (spaces around it not counted): shorter text is found in too much",
    ],
    [
      "without a reason",
      ["audit", "erase", "aud_1", "--yes"],
      "error: audit erase needs --reason <text>: why, sealed into the erasure entry as written (name no personal data in it)",
    ],
    [
      "with a blank reason",
      ["audit", "erase", "aud_1", "--reason", " ", "--yes"],
      "error: audit erase needs --reason <text>: why, sealed into the erasure entry as written (name no personal data in it)",
    ],
    ["without --yes", ["audit", "erase", "aud_1", "--reason", "r"], "error: audit erase cannot be undone: add --yes to erase for good"],
  ])("%s: exit 2 naming it, no call", async (_case, argv, message) => {
    const run = await runCli(argv, []);
    expect([run.code, run.stderr, run.calls.length]).toEqual([EXIT_USAGE, `${message}\nRun gatehouse --help for usage.\n`, 0]);
  });

  it("more than 1,000 entry ids is refused before any call", async () => {
    const ids = Array.from({ length: 1001 }, (_, i) => `aud_${i}`);
    const run = await runCli(["audit", "erase", ...ids, "--reason", "r", "--yes"], []);
    expect([run.code, run.stderr.split("\n")[0], run.calls.length]).toEqual([EXIT_USAGE, "error: audit erase takes at most 1000 entry ids at once, not 1001", 0]);
  });
});
