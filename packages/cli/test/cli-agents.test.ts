import { describe, expect, it } from "vitest";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../src/cli.ts";
import { ADMIN_KEY, apiError, json, runCli } from "./helpers.ts";

const NOW = Date.parse("2026-11-22T12:00:00Z");
const agent = {
  id: "agt_1",
  name: "deploy-bot",
  description: null,
  labels: { team: "infra", env: "prod" },
  status: "active",
  haltedAt: null,
  haltedReason: null,
  cbState: "closed",
  createdAt: "2026-11-01T10:00:00.000Z",
};
const key = {
  id: "key_1",
  name: "default",
  prefix: "gh_agent_abcdefgh",
  lastFour: "wxyz",
  createdAt: "2026-11-01T10:00:00.000Z",
  lastUsedAt: "2026-11-22T10:05:00.123Z",
  expiresAt: null,
  revokedAt: null,
};
const adminKey = {
  ...key,
  id: "key_3",
  name: "laptop",
  prefix: "gh_admin_abcdefgh",
  lastUsedAt: null,
  member: { id: "mem_1", name: "Ada", email: "ada@example.test", role: "owner" },
  mine: true,
};
const SECRET = "gh_agent_S3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3";
const ADMIN_SECRET = "gh_admin_S3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3";
const STORE = "Store it now: it is shown only this once and cannot be retrieved again.";

const occurrences = (text: string, part: string) => text.split(part).length - 1;

describe("gatehouse agents", () => {
  it("list prints a table of the agents; --json prints them as JSON", async () => {
    const run = await runCli(["agents", "list"], [json(200, { agents: [agent, { ...agent, id: "agt_2", name: "triage", labels: {}, status: "halted", cbState: "open" }] })]);
    expect(run.code).toBe(EXIT_OK);
    expect(run.stdout).toBe(
      [
        "ID     NAME        STATUS  BREAKER  LABELS               CREATED",
        "agt_1  deploy-bot  active  closed   team=infra,env=prod  2026-11-01T10:00:00Z",
        "agt_2  triage      halted  open     -                    2026-11-01T10:00:00Z",
        "",
      ].join("\n"),
    );
    expect([run.calls[0]?.url, run.calls[0]?.headers.get("authorization")]).toEqual(["https://gh.example.com/v1/admin/agents", `Bearer ${ADMIN_KEY}`]);
    const asJson = await runCli(["agents", "list", "--json"], [json(200, { agents: [agent] })]);
    expect(JSON.parse(asJson.stdout)).toEqual({ agents: [agent] });
  });

  it("create POSTs the name, description and labels and prints the key once, after a line saying to store it now", async () => {
    const created = { id: "agt_1", name: "deploy-bot", description: "ships", labels: { team: "infra", env: "prod" }, status: "active", apiKey: SECRET, keyId: "key_1" };
    const run = await runCli(["agents", "create", "deploy-bot", "--description", "ships", "--label", "team=infra", "--label", "env=prod"], [json(201, created)]);
    expect([run.code, run.stderr]).toEqual([EXIT_OK, ""]);
    expect(run.stdout).toBe(`Created agent deploy-bot (agt_1) with its key key_1.\n${STORE}\n${SECRET}\n`);
    expect(occurrences(run.stdout, SECRET)).toBe(1);
    expect([run.calls[0]?.init.method, run.calls[0]?.url, run.calls[0]?.body]).toEqual([
      "POST",
      "https://gh.example.com/v1/admin/agents",
      { name: "deploy-bot", description: "ships", labels: { team: "infra", env: "prod" } },
    ]);
    expect(run.calls[0]?.headers.get("idempotency-key")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("create: a label value may hold '='; a taken name is exit status 1 with the server's message", async () => {
    const created = { id: "agt_1", name: "bot", description: null, labels: { q: "a=b" }, status: "active", apiKey: SECRET, keyId: "key_1" };
    const run = await runCli(["agents", "create", "bot", "--label", "q=a=b"], [json(201, created)]);
    expect(run.calls[0]?.body).toEqual({ name: "bot", labels: { q: "a=b" } });
    const taken = await runCli(["agents", "create", "bot"], [apiError(409, "CONFLICT")]);
    expect([taken.code, taken.stdout, taken.stderr]).toEqual([EXIT_FAILURE, "", "error: CONFLICT happened (status 409, request id req_409)\n"]);
  });

  it.each([
    [["agents", "create"], "agents create needs a name"],
    [["agents", "create", "bot", "--label", "noequals"], '--label must be key=value, not "noequals"'],
    [["agents", "create", "bot", "--label", "=v"], '--label must be key=value, not "=v"'],
    [["agents", "create", "bot", "--label", "a=1", "--label", "a=2"], "--label a is given twice"],
    [["agents", "create", "bot", "--reason", "x"], "agents create does not take --reason"],
    [["agents", "halt", "agt_1"], "agents halt needs --reason <text>"],
    [["agents", "halt"], "agents halt needs an agent id"],
    [["agents", "resume"], "agents resume needs an agent id"],
    [["agents", "keys"], "agents keys needs an agent id"],
    [["agents", "issue-key", "agt_1", "--expires-in-days", "0"], '--expires-in-days must be a whole number from 1 to 3650, not "0"'],
    [["agents", "issue-key", "agt_1", "--expires-in-days", "1.5"], '--expires-in-days must be a whole number from 1 to 3650, not "1.5"'],
    [["agents", "list", "extra"], 'unexpected argument "extra"'],
    [["agents", "fly"], 'unknown command "agents fly"'],
  ])("%j is a usage error: exit status 2, nothing sent", async (argv, message) => {
    const run = await runCli(argv, []);
    expect([run.code, run.stdout, run.calls.length]).toEqual([EXIT_USAGE, "", 0]);
    expect(run.stderr).toContain(`error: ${message}`);
  });

  it("halt POSTs the reason; resume POSTs {} or the reason", async () => {
    const run = await runCli(["agents", "halt", "agt_1", "--reason", "runaway loop"], [json(200, { ...agent, status: "halted", haltedReason: "runaway loop" })]);
    expect([run.code, run.stdout]).toEqual([EXIT_OK, "Halted deploy-bot (agt_1): its actions are denied until it is resumed.\n"]);
    expect([run.calls[0]?.init.method, run.calls[0]?.url, run.calls[0]?.body]).toEqual(["POST", "https://gh.example.com/v1/admin/agents/agt_1/halt", { reason: "runaway loop" }]);
    const resumed = await runCli(["agents", "resume", "agt_1"], [json(200, agent)]);
    expect([resumed.code, resumed.stdout]).toEqual([EXIT_OK, "Resumed deploy-bot (agt_1): it is active.\n"]);
    expect([resumed.calls[0]?.url, resumed.calls[0]?.body]).toEqual(["https://gh.example.com/v1/admin/agents/agt_1/resume", {}]);
    const withReason = await runCli(["agents", "resume", "agt_1", "--reason", "fixed"], [json(200, agent)]);
    expect(withReason.calls[0]?.body).toEqual({ reason: "fixed" });
    const unknown = await runCli(["agents", "halt", "agt_9", "--reason", "x"], [apiError(404, "NOT_FOUND")]);
    expect(unknown.code).toBe(EXIT_FAILURE);
  });

  it("keys prints the agent's keys with their status, never a secret", async () => {
    const keys = [
      key,
      { ...key, id: "key_2", name: "old", revokedAt: "2026-11-20T10:00:00.000Z", lastUsedAt: null },
      { ...key, id: "key_4", name: "temp", expiresAt: "2026-11-21T10:00:00.000Z" },
    ];
    const run = await runCli(["agents", "keys", "agt_1"], [json(200, { keys })], { now: () => NOW });
    expect(run.stdout).toBe(
      [
        "ID     NAME     KEY                     STATUS   LAST USED             EXPIRES",
        "key_1  default  gh_agent_abcdefgh…wxyz  active   2026-11-22T10:05:00Z  never",
        "key_2  old      gh_agent_abcdefgh…wxyz  revoked  never                 never",
        "key_4  temp     gh_agent_abcdefgh…wxyz  expired  2026-11-22T10:05:00Z  2026-11-21T10:00:00Z",
        "",
      ].join("\n"),
    );
    expect(run.calls[0]?.url).toBe("https://gh.example.com/v1/admin/agents/agt_1/keys");
  });

  it("issue-key POSTs { name, expiresInDays } and prints the key once", async () => {
    const issued = { id: "key_2", agentId: "agt_1", apiKey: SECRET, prefix: "gh_agent_S3cr3tS3", expiresAt: "2026-12-22T12:00:00.000Z" };
    const run = await runCli(["agents", "issue-key", "agt_1", "--name", "rotation", "--expires-in-days", "30"], [json(201, issued)]);
    expect([run.code, run.stdout]).toEqual([EXIT_OK, `Issued key key_2 for agt_1, expiring 2026-12-22T12:00:00Z.\n${STORE}\n${SECRET}\n`]);
    expect([run.calls[0]?.init.method, run.calls[0]?.url, run.calls[0]?.body]).toEqual([
      "POST",
      "https://gh.example.com/v1/admin/agents/agt_1/keys",
      { name: "rotation", expiresInDays: 30 },
    ]);
    const plain = await runCli(["agents", "issue-key", "agt_1"], [json(201, { ...issued, expiresAt: null })]);
    expect([plain.stdout.split("\n")[0], plain.calls[0]?.body]).toEqual(["Issued key key_2 for agt_1, not expiring.", {}]);
    const asJson = await runCli(["agents", "issue-key", "agt_1", "--json"], [json(201, issued)]);
    expect(JSON.parse(asJson.stdout)).toEqual(issued);
  });

  it("--help prints the group's and each command's help, exit status 0; no command is the group's help on stderr, exit 2", async () => {
    const help = await runCli(["agents", "--help"], []);
    expect([help.code, help.stdout]).toEqual([EXIT_OK, expect.stringContaining("Usage: gatehouse agents <list|create|halt|resume|keys|issue-key>")]);
    const halt = await runCli(["agents", "halt", "--help"], []);
    expect([halt.code, halt.stdout]).toEqual([EXIT_OK, expect.stringContaining("Usage: gatehouse agents halt <agent-id> --reason <text>")]);
    const bare = await runCli(["agents"], []);
    expect([bare.code, bare.stdout, bare.stderr]).toEqual([EXIT_USAGE, "", expect.stringContaining("Usage: gatehouse agents")]);
    const main = await runCli(["--help"], []);
    expect(main.stdout).toContain("agents create <name>");
    expect(main.stdout).toContain("keys create --name <name>");
  });
});

describe("gatehouse keys", () => {
  it("list prints the admin keys with their member, marking yours", async () => {
    const other = {
      ...adminKey,
      id: "key_5",
      name: "ci",
      mine: false,
      member: { id: "mem_2", name: "Bo", email: "bo@example.test", role: "admin" },
      revokedAt: "2026-11-21T00:00:00.000Z",
    };
    const run = await runCli(["keys", "list"], [json(200, { keys: [adminKey, other] })], { now: () => NOW });
    expect(run.code).toBe(EXIT_OK);
    expect(run.stdout).toBe(
      [
        "ID     NAME    MEMBER                  ROLE   KEY                     STATUS   LAST USED  EXPIRES",
        "key_3  laptop  ada@example.test (you)  owner  gh_admin_abcdefgh…wxyz  active   never      never",
        "key_5  ci      bo@example.test         admin  gh_admin_abcdefgh…wxyz  revoked  never      never",
        "",
      ].join("\n"),
    );
    expect([run.calls[0]?.init.method, run.calls[0]?.url]).toEqual(["GET", "https://gh.example.com/v1/admin/keys"]);
    const none = await runCli(["keys", "list"], [json(200, { keys: [] })]);
    expect(none.stdout).toBe("No admin keys.\n");
    const asJson = await runCli(["keys", "list", "--json"], [json(200, { keys: [adminKey] })]);
    expect(JSON.parse(asJson.stdout)).toEqual({ keys: [adminKey] });
  });

  it("create POSTs { name, expiresInDays } and prints the key once, after a line saying to store it now", async () => {
    const issued = { id: "key_6", apiKey: ADMIN_SECRET, prefix: "gh_admin_S3cr3tS3", expiresAt: null };
    const run = await runCli(["keys", "create", "--name", "laptop", "--expires-in-days", "90"], [json(201, issued)]);
    expect([run.code, run.stderr]).toEqual([EXIT_OK, ""]);
    expect(run.stdout).toBe(`Issued admin key key_6 (laptop), not expiring.\n${STORE}\n${ADMIN_SECRET}\n`);
    expect(occurrences(run.stdout, ADMIN_SECRET)).toBe(1);
    expect([run.calls[0]?.init.method, run.calls[0]?.url, run.calls[0]?.body]).toEqual(["POST", "https://gh.example.com/v1/admin/keys", { name: "laptop", expiresInDays: 90 }]);
    expect(run.calls[0]?.headers.get("idempotency-key")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("create without keys.manage is exit status 1 with the server's message, and no key printed", async () => {
    const run = await runCli(["keys", "create", "--name", "x"], [apiError(403, "FORBIDDEN")]);
    expect([run.code, run.stdout, run.stderr]).toEqual([EXIT_FAILURE, "", "error: FORBIDDEN happened (status 403, request id req_403)\n"]);
  });

  it("revoke DELETEs the key", async () => {
    const run = await runCli(["keys", "revoke", "key_3"], [json(200, { id: "key_3", revokedAt: "2026-11-22T12:00:00.000Z" })]);
    expect([run.code, run.stdout]).toEqual([EXIT_OK, "Revoked key_3 (at 2026-11-22T12:00:00Z): it no longer works.\n"]);
    expect([run.calls[0]?.init.method, run.calls[0]?.url]).toEqual(["DELETE", "https://gh.example.com/v1/admin/keys/key_3"]);
  });

  it.each([
    [["keys", "create"], "keys create needs --name <name>"],
    [["keys", "create", "--name", "x", "--expires-in-days", "3651"], '--expires-in-days must be a whole number from 1 to 3650, not "3651"'],
    [["keys", "create", "laptop", "--name", "x"], 'unexpected argument "laptop"'],
    [["keys", "create", "--name"], "--name needs a value"],
    [["keys", "revoke"], "keys revoke needs a key id"],
    [["keys", "revoke", "key_1", "--json"], "keys revoke does not take --json"],
    [["keys", "rotate"], 'unknown command "keys rotate"'],
  ])("%j is a usage error: exit status 2, nothing sent", async (argv, message) => {
    const run = await runCli(argv, []);
    expect([run.code, run.stdout, run.calls.length]).toEqual([EXIT_USAGE, "", 0]);
    expect(run.stderr).toContain(`error: ${message}`);
  });

  it("--help prints the group's help, exit status 0", async () => {
    const help = await runCli(["keys", "--help"], []);
    expect([help.code, help.stdout]).toEqual([EXIT_OK, expect.stringContaining("Usage: gatehouse keys <list|create|revoke>")]);
    const create = await runCli(["keys", "create", "--help"], []);
    expect([create.code, create.stdout]).toEqual([EXIT_OK, expect.stringContaining("Usage: gatehouse keys create --name <name>")]);
  });
});
