import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../src/cli.ts";
import type { CliEnv } from "../src/env.ts";
import { VERSION } from "../src/version.ts";
import { parse as parseYaml } from "yaml";
import { ADMIN_KEY, API_KEY, BO, CLI_ENV, apiError, approvalObject, approvedObject, eventStream, json, runCliWithFiles, sseEvent, type CliRun, type Reply } from "./helpers.ts";

const cli = runCliWithFiles;

const POLICIES_YAML = [
  "# Our policies",
  "policies:",
  "  - name: allow-reads",
  '    actions: ["*.read"]',
  "    effect: allow",
  "  - name: large-prs-need-review",
  "    actions: [pr.merge]",
  "    when:",
  "      all:",
  "        - { field: metadata.pr_size, op: gt, value: 50 }",
  "    effect: require_approval",
  "    approval: { quorum: 2 }",
].join("\n");

const DOCUMENTS = [
  { name: "allow-reads", actions: ["*.read"], effect: "allow" },
  {
    name: "large-prs-need-review",
    actions: ["pr.merge"],
    when: { all: [{ field: "metadata.pr_size", op: "gt", value: 50 }] },
    effect: "require_approval",
    approval: { quorum: 2 },
  },
];

const DIFF = {
  dryRun: false,
  created: [{ name: "allow-reads", version: 1, contentHash: "a".repeat(64) }],
  updated: [{ name: "large-prs-need-review", version: 2, contentHash: "b".repeat(64), previousVersion: 1 }],
  archived: [{ name: "legacy-deploys", version: 3 }],
  unchanged: [
    { name: "no-deletes", version: 1 },
    { name: "allow-pr-work", version: 4 },
  ],
};

describe("gatehouse policies apply", () => {
  it("PUTs the policies of a YAML file with the admin key", async () => {
    const { calls } = await cli(["policies", "apply", "policies.yaml"], [json(200, DIFF)], { files: { "policies.yaml": POLICIES_YAML } });
    expect([calls[0]?.init.method, calls[0]?.url, calls[0]?.headers.get("authorization"), calls[0]?.body]).toEqual([
      "PUT",
      "https://gh.example.com/v1/admin/policies",
      `Bearer ${ADMIN_KEY}`,
      { policies: DOCUMENTS },
    ]);
  });

  it("sends a bare JSON list as { policies }", async () => {
    const { calls } = await cli(["policies", "apply", "p.json"], [json(200, DIFF)], { files: { "p.json": JSON.stringify(DOCUMENTS) } });
    expect(calls[0]?.body).toEqual({ policies: DOCUMENTS });
  });

  it("prints the diff and exits 0", async () => {
    const run = await cli(["policies", "apply", "policies.yaml"], [json(200, DIFF)], { files: { "policies.yaml": POLICIES_YAML } });
    expect([run.code, run.stdout, run.stderr]).toEqual([
      EXIT_OK,
      ["+ allow-reads v1", "~ large-prs-need-review v1 → v2", "- legacy-deploys v3", "= 2 unchanged", "Applied: 1 created, 1 updated, 1 archived, 2 unchanged.", ""].join("\n"),
      "",
    ]);
  });

  it("asks for a dry run with --dry-run and says nothing changed", async () => {
    const diff = { ...DIFF, dryRun: true, updated: [], archived: [] };
    const run = await cli(["policies", "apply", "--dry-run", "policies.yaml"], [json(200, diff)], { files: { "policies.yaml": POLICIES_YAML } });
    expect([run.calls[0]?.url, run.stdout]).toEqual([
      "https://gh.example.com/v1/admin/policies?dryRun=true",
      [
        "Dry run: nothing was changed. Applying would make these changes:",
        "+ allow-reads v1",
        "= 2 unchanged",
        "Would apply: 1 created, 0 updated, 0 archived, 2 unchanged.",
        "",
      ].join("\n"),
    ]);
  });

  it("on a 400, prints each issue with its path and line and exits 1", async () => {
    const issues = [
      { path: "policies[1].effect", message: 'Invalid option: expected one of "allow"|"deny"|"require_approval"' },
      { path: "policies[1].when.all[0].op", message: "Invalid option" },
    ];
    const rejected = json(400, { error: { code: "VALIDATION", message: "Invalid request", details: { issues }, requestId: "req_400" } });
    const run = await cli(["policies", "apply", "policies.yaml"], [rejected], { files: { "policies.yaml": POLICIES_YAML } });
    expect([run.code, run.stdout, run.stderr]).toEqual([
      EXIT_FAILURE,
      "",
      [
        "error: policies.yaml was rejected, 2 problems (request id req_400):",
        '  policies[1].effect (policies.yaml:11): Invalid option: expected one of "allow"|"deny"|"require_approval"',
        "  policies[1].when.all[0].op (policies.yaml:10): Invalid option",
        "",
      ].join("\n"),
    ]);
  });

  it("on a 400 without issues, prints the server's message", async () => {
    const run = await cli(["policies", "apply", "p.json"], [apiError(400, "VALIDATION")], { files: { "p.json": "[]" } });
    expect([run.code, run.stderr]).toEqual([EXIT_FAILURE, "error: p.json was rejected: VALIDATION happened (request id req_400)\n"]);
  });

  it("stops at a YAML error, naming the file, line and column, without calling the server", async () => {
    const run = await cli(["policies", "apply", "p.yaml"], [], { files: { "p.yaml": "policies:\n  - name: a\n    effect: allow\n   actions: [x.read]\n" } });
    expect([run.code, run.stderr, run.calls.length]).toEqual([EXIT_FAILURE, "error: p.yaml:4:1: not valid YAML: Sequence item without - indicator\n", 0]);
  });

  it("applies a description written as a YAML block scalar", async () => {
    const file = ["policies:", "  - name: a", "    description: |", "      First line.", "      Second line.", "    actions: [x.read]", "    effect: allow", ""].join("\n");
    const run = await cli(["policies", "apply", "p.yaml"], [json(200, DIFF)], { files: { "p.yaml": file } });
    expect([run.code, run.calls[0]?.body]).toEqual([EXIT_OK, { policies: [{ name: "a", description: "First line.\nSecond line.\n", actions: ["x.read"], effect: "allow" }] }]);
  });

  it("stops at a file that is not a policy set", async () => {
    const run = await cli(["policies", "apply", "p.yaml"], [], { files: { "p.yaml": "name: a" } });
    expect([run.code, run.stderr, run.calls.length]).toEqual([EXIT_FAILURE, "error: p.yaml: expected { policies: [...] } or a list of policies\n", 0]);
  });

  it("stops at a file it cannot read", async () => {
    const run = await cli(["policies", "apply", "missing.yaml"]);
    expect([run.code, run.stderr]).toEqual([EXIT_FAILURE, "error: cannot read missing.yaml: ENOENT: no such file or directory, open 'missing.yaml'\n"]);
  });

  it("reports a refused call with its status and request id, and exits 1", async () => {
    const run = await cli(["policies", "apply", "p.json"], [apiError(403, "FORBIDDEN")], { files: { "p.json": "[]" } });
    expect([run.code, run.stderr]).toEqual([EXIT_FAILURE, "error: FORBIDDEN happened (status 403, request id req_403)\n"]);
  });
});

describe("gatehouse policies export", () => {
  const stored = {
    policies: [
      {
        mode: "enforce",
        name: "large-prs-need-review",
        when: { all: [{ op: "gt", field: "metadata.pr_size", value: 50 }] },
        agents: ["*"],
        effect: "require_approval",
        actions: ["pr.merge"],
        approval: { quorum: 2, approvers: [], approverRoles: ["approver", "admin", "owner"], timeoutSeconds: 3600, excludeAgentOwner: false },
        version: 2,
        versionId: "pov_2",
        contentHash: "c".repeat(64),
      },
    ],
  };
  const exported = {
    name: "large-prs-need-review",
    actions: ["pr.merge"],
    agents: ["*"],
    when: { all: [{ field: "metadata.pr_size", op: "gt", value: 50 }] },
    effect: "require_approval",
    approval: { quorum: 2, timeoutSeconds: 3600, approverRoles: ["approver", "admin", "owner"], approvers: [], excludeAgentOwner: false },
    mode: "enforce",
  };

  it("GETs /v1/admin/policies and prints JSON by default", async () => {
    const run = await cli(["policies", "export"], [json(200, stored)]);
    expect([run.code, run.calls[0]?.init.method, run.calls[0]?.url, run.stdout]).toEqual([
      EXIT_OK,
      "GET",
      "https://gh.example.com/v1/admin/policies",
      `${JSON.stringify({ policies: [exported] }, null, 2)}\n`,
    ]);
  });

  it("prints YAML with --format yaml", async () => {
    const run = await cli(["policies", "export", "--format", "yaml"], [json(200, stored)]);
    expect(parseYaml(run.stdout)).toEqual({ policies: [exported] });
  });

  it.each(["json", "yaml"])("prints %s that policies apply sends back unchanged", async (format) => {
    const exportRun = await cli(["policies", "export", `--format=${format}`], [json(200, stored)]);
    const file = `policies.${format}`;
    const applyRun = await cli(["policies", "apply", file], [json(200, DIFF)], { files: { [file]: exportRun.stdout } });
    expect(applyRun.calls[0]?.body).toEqual({ policies: [exported] });
  });
});

describe("gatehouse approvals list", () => {
  const second = approvalObject({
    id: "apr_2",
    agentName: "triage-bot",
    actionType: "issue.close",
    quorum: 1,
    expiresAt: "2025-06-01T14:30:00.000Z",
  });
  const first = approvalObject({ approvals: 1 });

  it("GETs the pending approvals with the admin key and prints a table", async () => {
    const run = await cli(["approvals", "list"], [json(200, { approvals: [second, first], nextCursor: null })]);
    expect([run.code, run.calls[0]?.url, run.calls[0]?.headers.get("authorization"), run.stdout]).toEqual([
      EXIT_OK,
      "https://gh.example.com/v1/admin/approvals?status=pending",
      `Bearer ${ADMIN_KEY}`,
      [
        "ID     AGENT       ACTION       STATUS   QUORUM  EXPIRES",
        "apr_2  triage-bot  issue.close  pending  0/1     2025-06-01T14:30:00Z",
        "apr_1  deploy-bot  pr.merge     pending  1/2     2025-06-01T13:00:00Z",
        "",
      ].join("\n"),
    ]);
  });

  it("asks for another status with --status", async () => {
    const run = await cli(["approvals", "list", "--status", "all"], [json(200, { approvals: [approvedObject()], nextCursor: null })]);
    expect([run.calls[0]?.url, run.stdout.split("\n")[1]]).toEqual([
      "https://gh.example.com/v1/admin/approvals?status=all",
      "apr_1  deploy-bot  pr.merge  approved  2/2     2025-06-01T13:00:00Z",
    ]);
  });

  it("prints the page as JSON with --json", async () => {
    const page = { approvals: [first], nextCursor: "cur_2" };
    const run = await cli(["approvals", "list", "--json"], [json(200, page)]);
    expect([run.code, JSON.parse(run.stdout)]).toEqual([EXIT_OK, page]);
  });

  it("says how to get the next page", async () => {
    const run = await cli(["approvals", "list", "--limit", "1"], [json(200, { approvals: [first], nextCursor: "cur_2" })]);
    expect([run.calls[0]?.url, run.stdout.split("\n").at(-2)]).toEqual([
      "https://gh.example.com/v1/admin/approvals?status=pending&limit=1",
      "More: gatehouse approvals list --status pending --limit 1 --cursor cur_2",
    ]);
  });

  it("passes --cursor on", async () => {
    const run = await cli(["approvals", "list", "--cursor", "cur_2"], [json(200, { approvals: [], nextCursor: null })]);
    expect(run.calls[0]?.url).toBe("https://gh.example.com/v1/admin/approvals?status=pending&cursor=cur_2");
  });

  it("says so when there is nothing to list", async () => {
    const run = await cli(["approvals", "list"], [json(200, { approvals: [], nextCursor: null })]);
    expect([run.code, run.stdout]).toEqual([EXIT_OK, "No pending approvals.\n"]);
  });

  it("exits 1 with the status and request id when the call is refused", async () => {
    const run = await cli(["approvals", "list"], [apiError(403, "FORBIDDEN")]);
    expect([run.code, run.stderr]).toEqual([EXIT_FAILURE, "error: FORBIDDEN happened (status 403, request id req_403)\n"]);
  });
});

describe("gatehouse approvals approve / deny", () => {
  it("approve POSTs the vote with its reason and says the action goes ahead once approved", async () => {
    const run = await cli(["approvals", "approve", "apr_1", "--reason", "looks fine"], [json(200, approvedObject())]);
    expect([run.code, run.calls[0]?.init.method, run.calls[0]?.url, run.calls[0]?.body, run.stdout]).toEqual([
      EXIT_OK,
      "POST",
      "https://gh.example.com/v1/admin/approvals/apr_1/decision",
      { decision: "approve", reason: "looks fine" },
      "Approved apr_1 (pr.merge by deploy-bot, 2/2 approvals): the action goes ahead.\n",
    ]);
  });

  it("approve says when more approvals are needed", async () => {
    const run = await cli(["approvals", "approve", "apr_1"], [json(200, approvalObject({ approvals: 1 }))]);
    expect([run.calls[0]?.body, run.stdout]).toEqual([{ decision: "approve" }, "Vote recorded on apr_1 (pr.merge by deploy-bot): 1/2 approvals, waiting for more.\n"]);
  });

  it("deny POSTs the vote, with or without a reason, and says it is denied", async () => {
    const denied = approvalObject({ status: "denied", decidedBy: BO, decisionReason: "too big" });
    const run = await cli(["approvals", "deny", "apr_1", "--reason=too big"], [json(200, denied)]);
    expect([run.code, run.calls[0]?.body, run.stdout]).toEqual([EXIT_OK, { decision: "deny", reason: "too big" }, "Denied apr_1 (pr.merge by deploy-bot).\n"]);
  });

  it("exits 1 with the server's message when the approval is already decided", async () => {
    const conflict = json(409, { error: { code: "APPROVAL_DECIDED", message: "Approval apr_1 is already approved", requestId: "req_409" } });
    const run = await cli(["approvals", "deny", "apr_1"], [conflict]);
    expect([run.code, run.stderr]).toEqual([EXIT_FAILURE, "error: Approval apr_1 is already approved (status 409, request id req_409)\n"]);
  });

  it("exits 1 when the member may not vote on it", async () => {
    const run = await cli(["approvals", "approve", "apr_1"], [apiError(403, "SEPARATION_OF_DUTIES")]);
    expect([run.code, run.stderr]).toEqual([EXIT_FAILURE, "error: SEPARATION_OF_DUTIES happened (status 403, request id req_403)\n"]);
  });
  it("several ids: one bulk request, a line per id, exit 1 naming each refused vote", async () => {
    const results = {
      results: [
        { approvalId: "apr_1", status: "approved" },
        { approvalId: "apr_2", error: { code: "FORBIDDEN", message: "you requested this action: another member must decide it" } },
        { approvalId: "apr_3", status: "pending" },
      ],
    };
    const run = await cli(["approvals", "approve", "apr_1", "apr_2", "apr_3", "--reason", "batch"], [json(200, results)]);
    expect([run.code, run.calls.length, run.calls[0]?.init.method, run.calls[0]?.url, run.calls[0]?.body, run.stdout, run.stderr]).toEqual([
      EXIT_FAILURE,
      1,
      "POST",
      "https://gh.example.com/v1/admin/approvals/decision",
      { approvalIds: ["apr_1", "apr_2", "apr_3"], decision: "approve", reason: "batch" },
      "apr_1: approved\napr_3: pending\n",
      "apr_2: refused (FORBIDDEN): you requested this action: another member must decide it\n1 of 3 votes refused.\n",
    ]);
  });

  it("several ids, every vote taken: exit 0", async () => {
    const run = await cli(
      ["approvals", "deny", "apr_1", "apr_2"],
      [
        json(200, {
          results: [
            { approvalId: "apr_1", status: "denied" },
            { approvalId: "apr_2", status: "denied" },
          ],
        }),
      ],
    );
    expect([run.code, run.calls[0]?.body, run.stdout]).toEqual([EXIT_OK, { approvalIds: ["apr_1", "apr_2"], decision: "deny" }, "apr_1: denied\napr_2: denied\n"]);
  });
});

describe("gatehouse tail", () => {
  const stream = [
    ": ping\n\n",
    sseEvent(41, "approval.requested", { approvalId: "apr_1", at: "2025-06-01T12:00:00.123Z" }),
    sseEvent(42, "approval.decided", { approvalId: "apr_1", status: "denied", decidedBy: BO, reason: "not today" }),
  ];

  /** Runs tail until it has printed `lines` lines, then interrupts it as Ctrl-C would. */
  function tail(argv: string[], replies: Reply[], lines: number, env: CliEnv = CLI_ENV): Promise<CliRun> {
    const interrupt = new AbortController();
    const onStdout = (stdout: string): void => {
      if (stdout.split("\n").length > lines) interrupt.abort();
    };
    return cli(["tail", ...argv], replies, { env, signal: interrupt.signal, onStdout });
  }

  it("prints each event as it happens, then exits 0 on Ctrl-C", async () => {
    const run = await tail([], [eventStream(stream, { open: true })], 2);
    expect([run.code, run.calls[0]?.url, run.calls[0]?.headers.get("authorization"), run.stdout]).toEqual([
      EXIT_OK,
      "https://gh.example.com/v1/events",
      `Bearer ${ADMIN_KEY}`,
      [
        "2025-06-01T12:00:00Z  #41  approval.requested  pr.merge  agent=agt_1 approval=apr_1",
        '2025-06-01T12:00:00Z  #42  approval.decided  pr.merge  agent=agt_1 approval=apr_1 status=denied by=bo@example.com reason="not today"',
        "",
      ].join("\n"),
    ]);
  });

  it("prints one JSON object per line with --json", async () => {
    const run = await tail(["--json"], [eventStream(stream, { open: true })], 2);
    expect(
      run.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { id: string; type: string }),
    ).toMatchObject([
      { id: "41", type: "approval.requested", data: { seq: 41, approvalId: "apr_1" } },
      { id: "42", type: "approval.decided", data: { seq: 42, status: "denied" } },
    ]);
  });

  it("says on stderr what a cut replay skipped, and prints the events after it", async () => {
    const notice = `id: 9998\nevent: replay.truncated\ndata: ${JSON.stringify({ type: "replay.truncated", requestedAfter: 0, resumesAfter: 9998, skipped: { fromSeq: 1, toSeq: 9998 }, window: 10000, message: "A replay goes back at most 10000 log entries: it resumes after 9998." })}\n\n`;
    const run = await tail(["--since", "0"], [eventStream([notice, sseEvent(9999, "action.executed")], { open: true })], 1);
    expect([
      run.stderr.includes("A replay goes back at most 10000 log entries: it resumes after 9998. Read the skipped entries with gatehouse audit export.\n"),
      run.stdout,
    ]).toEqual([true, "2025-06-01T12:00:00Z  #9999  action.executed  pr.merge  agent=agt_1\n"]);
  });

  it("prints a budget alert and what the content screen found, a path's control characters escaped", async () => {
    const governance = [
      sseEvent(50, "budget.threshold", { budget: { name: "daily-llm" }, threshold: 0.8, used: 0.85 }),
      sseEvent(51, "guardrail.triggered", {
        source: "decision",
        findings: [{ detector: "email", class: "personalData", path: "metadata.\u001b]0;pwned\u0007x", action: "flagged" }],
      }),
    ];
    const run = await tail([], [eventStream(governance, { open: true })], 2);
    expect(run.stdout).not.toContain("\u001b");
    expect(run.stdout.split("\n").slice(0, 2)).toEqual([
      "2025-06-01T12:00:00Z  #50  budget.threshold  pr.merge  agent=agt_1 budget=daily-llm threshold=0.8",
      '2025-06-01T12:00:00Z  #51  guardrail.triggered  pr.merge  agent=agt_1 findings="personalData:email@metadata.\\u001b]0;pwned\\u0007x"',
    ]);
  });

  it("resumes after --since", async () => {
    const run = await tail(["--since", "40"], [eventStream(stream, { open: true })], 2);
    expect(run.calls[0]?.headers.get("last-event-id")).toBe("40");
  });

  it("streams an agent's own events with an agent key", async () => {
    const run = await tail([], [eventStream(stream, { open: true })], 1, { GATEHOUSE_API_KEY: API_KEY });
    expect([run.code, run.calls[0]?.headers.get("authorization")]).toEqual([EXIT_OK, `Bearer ${API_KEY}`]);
  });

  it("exits 1 when the key is refused", async () => {
    const run = await tail([], [apiError(401, "UNAUTHENTICATED")], 1);
    expect([run.code, run.stderr.endsWith("error: UNAUTHENTICATED happened (status 401, request id req_401)\n")]).toEqual([EXIT_FAILURE, true]);
  });

  it("exits 2 without an API key, calling nothing", async () => {
    const run = await tail([], [], 1, {});
    expect([run.code, run.stderr, run.calls.length]).toEqual([
      EXIT_USAGE,
      "error: no API key: pass --api-key gh_admin_… (or an agent's gh_… key), set GATEHOUSE_API_KEY or run gatehouse login\nRun gatehouse --help for usage.\n",
      0,
    ]);
  });
});

describe("gatehouse configuration", () => {
  it("takes --api-key and --base-url over the environment", async () => {
    const otherKey = "gh_admin_other000000000000000";
    const { calls } = await cli(["policies", "export", "--api-key", otherKey, "--base-url=http://127.0.0.1:4100"], [json(200, { policies: [] })]);
    expect([calls[0]?.url, calls[0]?.headers.get("authorization")]).toEqual(["http://127.0.0.1:4100/v1/admin/policies", `Bearer ${otherKey}`]);
  });

  it("defaults the base URL to http://localhost:4000", async () => {
    const { calls } = await cli(["policies", "export"], [json(200, { policies: [] })], { env: { GATEHOUSE_API_KEY: ADMIN_KEY } });
    expect(calls[0]?.url).toBe("http://localhost:4000/v1/admin/policies");
  });

  it("exits 2 without an API key, calling nothing", async () => {
    const run = await cli(["policies", "export"], [], { env: {} });
    expect([run.code, run.stderr, run.calls.length]).toEqual([
      EXIT_USAGE,
      "error: no API key: pass --api-key gh_admin_…, set GATEHOUSE_API_KEY or run gatehouse login\nRun gatehouse --help for usage.\n",
      0,
    ]);
  });

  it("exits 2 for an agent key, without echoing it", async () => {
    const run = await cli(["policies", "export"], [], { env: { GATEHOUSE_API_KEY: API_KEY } });
    expect([run.code, run.stderr.includes("org admin keys start with"), run.stderr.includes(API_KEY)]).toEqual([EXIT_USAGE, true, false]);
  });
});

describe("gatehouse usage", () => {
  it.each<[string, string[], RegExp]>([
    ["gatehouse --help", ["--help"], /^Usage: gatehouse <command>/],
    ["gatehouse help", ["help"], /^Usage: gatehouse <command>/],
    ["gatehouse policies --help", ["policies", "--help"], /^Usage: gatehouse policies <command> \[options\]\n\nCommands:\n  apply <file>/],
    ["gatehouse policies apply --help", ["policies", "apply", "--help"], /^Usage: gatehouse policies apply <file> \[--dry-run\]/],
    ["gatehouse policies export -h", ["policies", "export", "-h"], /^Usage: gatehouse policies export \[--format json\|yaml\]/],
    ["gatehouse policies versions --help", ["policies", "versions", "--help"], /^Usage: gatehouse policies versions <name> \[--json\]/],
    ["gatehouse approvals --help", ["approvals", "--help"], /^Usage: gatehouse approvals <list\|approve\|deny\|grant>/],
    ["gatehouse approvals list --help", ["approvals", "list", "--help"], /^Usage: gatehouse approvals list \[--status <status>\] \[--json\]/],
    ["gatehouse approvals approve --help", ["approvals", "approve", "--help"], /^Usage: gatehouse approvals approve <id> \[<id>…\] \[--reason <text>\]/],
    ["gatehouse approvals deny --help", ["approvals", "deny", "--help"], /^Usage: gatehouse approvals deny <id> \[<id>…\] \[--reason <text>\]/],
    ["gatehouse tail --help", ["tail", "--help"], /^Usage: gatehouse tail \[--since <eventId>\] \[--json\]/],
    ["gatehouse --version", ["--version"], /^\d+\.\d+\.\d+\n$/],
  ])("%s prints to stdout and exits 0", async (_case, argv, output) => {
    const run = await cli(argv, [], { env: {} });
    expect([run.code, run.stdout, run.stderr, run.calls.length]).toEqual([EXIT_OK, expect.stringMatching(output), "", 0]);
  });

  it.each<[string, string[], string]>([
    ["no command", [], "Usage: gatehouse <command>"],
    ["policies without a command", ["policies"], "Usage: gatehouse policies"],
    ["an unknown command", ["deploy"], 'error: unknown command "deploy"'],
    ["an unknown policies command", ["policies", "delete"], 'error: unknown command "policies delete"'],
    ["an unknown option", ["policies", "export", "--verbose"], "error: unknown option --verbose"],
    ["an option of another command", ["policies", "export", "--dry-run"], "error: policies export does not take --dry-run"],
    ["apply without a file", ["policies", "apply"], "error: policies apply needs a file"],
    ["apply with two files", ["policies", "apply", "a.yaml", "b.yaml"], 'error: unexpected argument "b.yaml"'],
    ["an unknown format", ["policies", "export", "--format", "toml"], 'error: --format must be json or yaml, not "toml"'],
    ["an option without its value", ["policies", "export", "--format"], "error: --format needs a value"],
    ["an option with an empty value", ["policies", "export", "--format="], "error: --format needs a value"],
    ["a value given to a switch", ["policies", "apply", "p.yaml", "--dry-run=yes"], "error: --dry-run takes no value"],
    ["an unknown short option", ["policies", "export", "-x"], "error: unknown option -x"],
    ["approvals without a command", ["approvals"], "Usage: gatehouse approvals"],
    ["an unknown approvals command", ["approvals", "delete"], 'error: unknown command "approvals delete"'],
    ["an unknown status", ["approvals", "list", "--status", "open"], 'error: --status must be one of pending, approved, denied, expired, cancelled, all, not "open"'],
    ["a limit that is not a number", ["approvals", "list", "--limit", "ten"], 'error: --limit must be a whole number ≥ 1, not "ten"'],
    ["approve without an id", ["approvals", "approve"], "error: approvals approve needs an approval id"],
    ["an option of another command", ["approvals", "approve", "apr_1", "--json"], "error: approvals approve does not take --json"],
    ["tail with an argument", ["tail", "now"], 'error: unexpected argument "now"'],
  ])("exits 2 on %s, calling nothing", async (_case, argv, message) => {
    const run = await cli(argv);
    expect([run.code, run.stderr.includes(message), run.calls.length]).toEqual([EXIT_USAGE, true, 0]);
  });
});

describe("the gatehouse executable", () => {
  it("keeps VERSION equal to the package version", () => {
    const pkg: unknown = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(pkg).toMatchObject({ version: VERSION });
  });

  it("runs main from bin.ts with the process's argv, environment and exit status", () => {
    const cliPath = fileURLToPath(new URL("../src/bin.ts", import.meta.url));
    const result = spawnSync(process.execPath, ["--conditions=@gatehouse/source", "--import", "tsx", cliPath, "policies", "export"], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      encoding: "utf8",
      // An agent key: refused before any call, which shows the key came from the environment.
      env: { PATH: process.env.PATH, GATEHOUSE_API_KEY: API_KEY },
    });
    expect([result.status, result.stderr]).toEqual([EXIT_USAGE, 'error: Invalid apiKey: org admin keys start with "gh_admin_"\nRun gatehouse --help for usage.\n']);
  }, 20_000);
});
