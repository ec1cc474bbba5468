import { describe, expect, it } from "vitest";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../src/cli.ts";
import { formatItem } from "../src/cli-runs.ts";
import { API_KEY, apiError, json, runCli } from "./helpers.ts";

const BASE = "https://gh.example.com/v1/runs";
const AGENT_ENV = { GATEHOUSE_API_KEY: API_KEY, GATEHOUSE_BASE_URL: "https://gh.example.com" };

const run = {
  id: "run_0123456789abcdefABCDEF",
  runId: "triage-4512",
  name: "triage #4512",
  agentId: "agt_1",
  agentName: "triager",
  rootAgentId: "agt_1",
  status: "waiting",
  startedAt: "2026-11-24T10:00:00.000Z",
  lastActivityAt: "2026-11-24T10:03:12.000Z",
  endedAt: null,
  durationMs: 192_000,
  decisions: { total: 3, executed: 1, denied: 1, requested: 1 },
  pendingApprovals: 1,
  spend: { tokens: 1234, usd: 0.0123 },
};
const label = {
  type: "decision",
  at: "2026-11-24T10:00:00.000Z",
  auditEventId: "aud_1",
  agentId: "agt_1",
  agentName: "triager",
  actionType: "issue.label",
  status: "executed",
  policyName: "labels-are-fine",
  message: "Allowed.",
};
const push = {
  ...label,
  at: "2026-11-24T10:01:00.000Z",
  auditEventId: "aud_2",
  actionType: "git.push",
  status: "denied",
  denialReason: "NO_POLICY",
  policyName: undefined,
  message: "Denied.",
};
const merge = { ...label, at: "2026-11-24T10:02:00.000Z", auditEventId: "aud_3", actionType: "pr.merge", status: "requested", policyName: "merges-need-review" };
const pendingApproval = { type: "approval", at: "2026-11-24T10:02:00.000Z", approvalId: "apr_1", auditEventId: "aud_3", actionType: "pr.merge", status: "pending", votes: [] };
const approved = {
  ...pendingApproval,
  at: "2026-11-24T10:04:00.000Z",
  status: "approved",
  votes: [{ member: { id: "mem_1", email: "ada@example.test" }, decision: "approve", reason: "checked the diff", at: "2026-11-24T10:04:00.000Z" }],
};
const outcome = {
  type: "outcome",
  at: "2026-11-24T10:05:00.000Z",
  auditEventId: "aud_3",
  actionType: "pr.merge",
  status: "success",
  message: "merged",
  spend: { model: "gpt-4o", tokens: 1234, usd: 0.0123 },
};
const ended = { type: "ended", at: "2026-11-24T10:06:00.000Z", status: "completed" };
const detail = (timeline: unknown[], overrides: Record<string, unknown> = {}) => ({ run: { ...run, ...overrides }, timeline, truncated: false });

describe("gatehouse runs list", () => {
  it("lists the org's runs with an admin key, with filters, and says how to get the next page", async () => {
    const listed = await runCli(["runs", "list", "--status", "waiting", "--agent", "agt_1", "--limit", "10"], [json(200, { runs: [run], nextCursor: "1.run_x" })]);
    expect(listed.code).toBe(EXIT_OK);
    expect(listed.calls[0]?.url).toBe(`${BASE}?status=waiting&agentId=agt_1&limit=10`);
    expect(listed.stdout).toContain("run_0123456789abcdefABCDEF  triage #4512  triager  waiting  2026-11-24T10:00:00Z  3m 12s    3          1       1        $0.012, 1,234 tokens");
    expect(listed.stdout).toContain("More: gatehouse runs list --status waiting --agent agt_1 --limit 10 --cursor 1.run_x\n");
    const asJson = await runCli(["runs", "list", "--json"], [json(200, { runs: [], nextCursor: null })]);
    expect(JSON.parse(asJson.stdout)).toEqual({ runs: [], nextCursor: null });
    expect((await runCli(["runs", "list"], [json(200, { runs: [], nextCursor: null })])).stdout).toBe("No runs.\n");
  });

  it("with an agent's key lists its own runs, and refuses --agent", async () => {
    const own = await runCli(["runs", "list"], [json(200, { runs: [run], nextCursor: null })], { env: AGENT_ENV });
    expect([own.code, own.calls[0]?.url, own.calls[0]?.headers.get("authorization")]).toEqual([EXIT_OK, BASE, `Bearer ${API_KEY}`]);
    const other = await runCli(["runs", "list", "--agent", "agt_2"], [], { env: AGENT_ENV });
    expect([other.code, other.stderr, other.calls.length]).toEqual([EXIT_USAGE, expect.stringContaining("error: --agent takes an admin key"), 0]);
  });
});

describe("gatehouse runs show", () => {
  it("prints the run and its timeline, one line per item", async () => {
    const shown = await runCli(["runs", "show", run.id], [json(200, detail([label, push, merge, approved, outcome, ended], { status: "completed", endedAt: ended.at }))]);
    expect([shown.code, shown.calls[0]?.url]).toEqual([EXIT_OK, `${BASE}/${run.id}`]);
    expect(shown.stdout).toBe(
      [
        "run_0123456789abcdefABCDEF  triage #4512 (runId triage-4512)",
        "Agent triager (agt_1); completed: ended by its agent: completed",
        "Started 2026-11-24T10:00:00Z, last activity 2026-11-24T10:03:12Z, ended 2026-11-24T10:06:00Z (3m 12s)",
        "Decisions: 3 (1 executed, 1 denied, 1 held for approval); pending approvals: 1; spend: $0.012, 1,234 tokens",
        "",
        "2026-11-24T10:00:00Z  decision  issue.label  executed  agent=triager  policy=labels-are-fine",
        "2026-11-24T10:01:00Z  decision  git.push  denied  agent=triager  denial=NO_POLICY",
        "2026-11-24T10:02:00Z  decision  pr.merge  requested  agent=triager  policy=merges-need-review",
        '2026-11-24T10:04:00Z  approval  pr.merge  approved  approval=apr_1  approve=ada@example.test reason="checked the diff"',
        '2026-11-24T10:05:00Z  outcome  pr.merge  success  model=gpt-4o tokens=1234 cost=$0.012  message="merged"',
        "2026-11-24T10:06:00Z  ended  -  completed",
        "",
      ].join("\n"),
    );
  });

  it("names the run by the runId it chose with an agent's key; --json prints the answer; an unknown run fails (exit 1)", async () => {
    const mine = await runCli(["runs", "show", "triage-4512", "--json"], [json(200, detail([]))], { env: AGENT_ENV });
    expect([mine.calls[0]?.url, JSON.parse(mine.stdout)]).toEqual([`${BASE}/triage-4512`, detail([])]);
    const missing = await runCli(["runs", "show", "run_nope"], [apiError(404, "NOT_FOUND")]);
    expect([missing.code, missing.stderr]).toEqual([EXIT_FAILURE, "error: NOT_FOUND happened (status 404, request id req_404)\n"]);
  });

  it("an unpriced model call, an estimated one and an expired approval read as such", () => {
    expect(formatItem({ ...outcome, message: null, spend: { model: "local-llm", tokens: 10, usd: null } } as never)).toBe(
      "2026-11-24T10:05:00Z  outcome  pr.merge  success  model=local-llm tokens=10 cost=unpriced\n",
    );
    expect(formatItem({ ...outcome, spend: { ...outcome.spend, estimated: true } } as never)).toContain("cost=$0.012 (estimated)");
    expect(formatItem({ ...pendingApproval, status: "expired" } as never)).toBe("2026-11-24T10:02:00Z  approval  pr.merge  expired  approval=apr_1\n");
  });
});

describe("gatehouse runs follow", () => {
  it("prints the timeline, then only what is new (an approval again when it is decided), until the run ends: exit 0 when completed", async () => {
    const slept: number[] = [];
    const followed = await runCli(
      ["runs", "follow", run.id, "--interval", "3"],
      [
        json(200, detail([label, merge, pendingApproval])),
        json(200, detail([label, merge, pendingApproval])),
        json(200, detail([label, merge, approved], { status: "running", pendingApprovals: 0 })),
        json(200, detail([label, merge, approved, outcome, ended], { status: "completed", endedAt: ended.at })),
      ],
      { sleep: async (ms) => void slept.push(ms) },
    );
    expect(followed.code).toBe(EXIT_OK);
    expect(slept).toEqual([3000, 3000, 3000]);
    const lines = followed.stdout.split("\n").filter((line) => line.startsWith("2026-"));
    expect(lines.map((line) => line.split("  ").slice(1, 4).join(" "))).toEqual([
      "decision issue.label executed",
      "decision pr.merge requested",
      "approval pr.merge pending",
      "approval pr.merge approved",
      "outcome pr.merge success",
      "ended - completed",
    ]);
    expect(followed.stderr).toBe(
      [
        `Following ${run.id} (Ctrl-C to stop)…`,
        `${run.id} is running: a call within the last 30 minutes.`,
        `${run.id} ended completed after 3m 12s: 3 decisions, spend $0.012, 1,234 tokens.`,
        "",
      ].join("\n"),
    );
  });

  it("exits 1 when the run fails or is cancelled; --json prints one timeline item per line", async () => {
    const failed = await runCli(["runs", "follow", run.id, "--json"], [json(200, detail([label, { ...ended, status: "failed" }], { status: "failed" }))]);
    expect(failed.code).toBe(EXIT_FAILURE);
    expect(
      failed.stdout
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([label, { ...ended, status: "failed" }]);
  });

  it("Ctrl-C ends it with exit 0, waiting or mid-read", async () => {
    const between = new AbortController();
    const waited = await runCli(["runs", "follow", run.id], [json(200, detail([label]))], { signal: between.signal, sleep: async () => between.abort() });
    expect([waited.code, waited.calls.length]).toEqual([EXIT_OK, 1]);
    const during = new AbortController();
    const read = await runCli(
      ["runs", "follow", run.id],
      [
        async (_url, init) => {
          during.abort();
          throw Object.assign(new Error("aborted"), { name: "AbortError", cause: init.signal?.reason });
        },
      ],
      { signal: during.signal },
    );
    expect([read.code, read.stderr]).toEqual([EXIT_OK, `Following ${run.id} (Ctrl-C to stop)…\n`]);
  });
});

describe("gatehouse runs end", () => {
  it("ends the run with the agent's key, completed by default or with --status", async () => {
    const done = await runCli(["runs", "end", "triage-4512"], [json(200, { ...run, status: "completed" })], { env: AGENT_ENV });
    expect([done.code, done.calls[0]?.init.method, done.calls[0]?.url, done.calls[0]?.body]).toEqual([EXIT_OK, "POST", `${BASE}/triage-4512/end`, { status: "completed" }]);
    expect(done.stdout).toBe(`Ended ${run.id} (triage #4512): completed, after 3m 12s and 3 decisions.\n`);
    const cancelled = await runCli(["runs", "end", "triage-4512", "--status", "cancelled", "--json"], [json(200, { ...run, status: "cancelled" })], { env: AGENT_ENV });
    expect([cancelled.calls[0]?.body, JSON.parse(cancelled.stdout).status]).toEqual([{ status: "cancelled" }, "cancelled"]);
  });

  it("refuses an admin key, saying whose key ends a run", async () => {
    const refused = await runCli(["runs", "end", run.id], []);
    expect([refused.code, refused.stderr, refused.calls.length]).toEqual([EXIT_USAGE, expect.stringContaining("error: runs end takes the agent's key (gh_…)"), 0]);
  });
});

describe("gatehouse runs: usage mistakes", () => {
  it.each<[string, string[], string]>([
    ["list with an unknown status", ["runs", "list", "--status", "done"], 'error: --status must be one of running, waiting, idle, completed, failed, cancelled, not "done"'],
    ["list with a limit out of range", ["runs", "list", "--limit", "101"], 'error: --limit must be a whole number from 1 to 100, not "101"'],
    ["show without a run", ["runs", "show"], "error: runs show needs a run: gatehouse runs show <run_…>"],
    ["show with two runs", ["runs", "show", "run_1", "run_2"], 'error: unexpected argument "run_2"'],
    ["follow with a word for an interval", ["runs", "follow", "run_1", "--interval", "soon"], 'error: --interval must be a whole number from 1 to 300, not "soon"'],
    ["end with an unknown status", ["runs", "end", "run_1", "--status", "running"], 'error: --status must be one of completed, failed, cancelled, not "running"'],
    ["end without a run", ["runs", "end"], "error: runs end needs a run: gatehouse runs end <run_…>"],
  ])("%s: exit 2 naming it, no call", async (_case, argv, message) => {
    const mistaken = await runCli(argv, [], { env: AGENT_ENV });
    expect([mistaken.code, mistaken.stderr, mistaken.calls.length]).toEqual([EXIT_USAGE, `${message}\nRun gatehouse --help for usage.\n`, 0]);
  });
});
