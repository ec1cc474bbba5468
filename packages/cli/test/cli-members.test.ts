import { describe, expect, it } from "vitest";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../src/cli.ts";
import { ADMIN_KEY, apiError, json, runCli } from "./helpers.ts";

const member = {
  id: "mem_1",
  userId: "usr_1",
  email: "ada@example.test",
  name: "Ada",
  role: "admin",
  signInMethods: ["password"],
  lastActiveAt: "2026-11-22T10:05:00.123Z",
  joinedAt: "2026-11-01T10:00:00.000Z",
};
const invitation = {
  id: "inv_1",
  email: "new@example.test",
  role: "viewer",
  invitedBy: { id: "mem_1", name: "Ada", email: "ada@example.test" },
  status: "pending",
  expiresAt: "2026-11-29T10:00:00.000Z",
  createdAt: "2026-11-22T10:00:00.000Z",
};
const org = { id: "org_1", slug: "acme", name: "Acme", createdAt: "2026-11-01T10:00:00.000Z", memberCount: 2 };

describe("gatehouse members", () => {
  it("list prints a table with role, sign-in and last activity", async () => {
    const run = await runCli(
      ["members", "list"],
      [json(200, { members: [member, { ...member, id: "mem_2", email: "bo@example.test", name: "Bo", role: "viewer", signInMethods: [], lastActiveAt: null }] })],
    );
    expect(run.code).toBe(EXIT_OK);
    expect(run.stdout).toBe(
      [
        "ID     EMAIL             NAME  ROLE    SIGN-IN   LAST ACTIVE",
        "mem_1  ada@example.test  Ada   admin   password  2026-11-22T10:05:00Z",
        "mem_2  bo@example.test   Bo    viewer  -         never",
        "",
      ].join("\n"),
    );
    expect([run.calls[0]?.url, run.calls[0]?.headers.get("authorization")]).toEqual(["https://gh.example.com/v1/admin/members", `Bearer ${ADMIN_KEY}`]);
  });

  it("list --json prints the members as JSON", async () => {
    const run = await runCli(["members", "list", "--json"], [json(200, { members: [member] })]);
    expect(JSON.parse(run.stdout)).toEqual({ members: [member] });
  });

  it("set-role PATCHes the role and says what it did; a refusal is exit status 1 with the server's message", async () => {
    const run = await runCli(["members", "set-role", "mem_1", "viewer"], [json(200, { ...member, role: "viewer" })]);
    expect([run.code, run.stdout]).toEqual([EXIT_OK, "ada@example.test (mem_1) is now viewer.\n"]);
    expect([run.calls[0]?.init.method, run.calls[0]?.url, run.calls[0]?.body]).toEqual(["PATCH", "https://gh.example.com/v1/admin/members/mem_1", { role: "viewer" }]);
    const refused = await runCli(["members", "set-role", "mem_1", "owner"], [apiError(409, "CONFLICT")]);
    expect([refused.code, refused.stderr]).toEqual([EXIT_FAILURE, "error: CONFLICT happened (status 409, request id req_409)\n"]);
  });

  it("remove DELETEs the member and counts the revoked keys", async () => {
    const run = await runCli(["members", "remove", "mem_1"], [json(200, { id: "mem_1", removedAt: "2026-11-22T11:00:00.000Z", revokedKeys: ["key_1", "key_2"] })]);
    expect([run.code, run.stdout]).toEqual([EXIT_OK, "Removed mem_1; revoked 2 admin keys.\n"]);
    expect(run.calls[0]?.init.method).toBe("DELETE");
  });
});

describe("gatehouse invitations", () => {
  it("create POSTs the email and role and says the link was emailed, without printing it", async () => {
    const created = { invitation, emailSent: true };
    const run = await runCli(["invitations", "create", "new@example.test", "--role", "viewer", "--expires-in-days", "3"], [json(201, created)]);
    expect(run.code).toBe(EXIT_OK);
    expect(run.stdout).toBe("Invited new@example.test as viewer (inv_1), until 2026-11-29T10:00:00Z.\nWe emailed them the link; only they receive it.\n");
    expect(run.calls[0]?.body).toEqual({ email: "new@example.test", role: "viewer", expiresInDays: 3 });
    expect(run.calls[0]?.headers.get("idempotency-key")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("list prints the pending invitations; revoke DELETEs one", async () => {
    const list = await runCli(["invitations", "list"], [json(200, { invitations: [invitation] })]);
    expect(list.stdout).toBe(
      ["ID     EMAIL             ROLE    INVITED BY        EXPIRES", "inv_1  new@example.test  viewer  ada@example.test  2026-11-29T10:00:00Z", ""].join("\n"),
    );
    const empty = await runCli(["invitations", "list"], [json(200, { invitations: [] })]);
    expect(empty.stdout).toBe("No pending invitations.\n");
    const revoke = await runCli(["invitations", "revoke", "inv_1"], [json(200, { ...invitation, status: "revoked" })]);
    expect([revoke.code, revoke.stdout, revoke.calls[0]?.init.method, revoke.calls[0]?.url]).toEqual([
      EXIT_OK,
      "Revoked the invitation of new@example.test (inv_1).\n",
      "DELETE",
      "https://gh.example.com/v1/admin/invitations/inv_1",
    ]);
  });
});

describe("gatehouse org", () => {
  it("show prints the org; rename PATCHes the name and slug", async () => {
    const show = await runCli(["org", "show"], [json(200, org)]);
    expect(show.stdout).toBe("Acme (slug acme, org_1), 2 members.\n");
    const rename = await runCli(["org", "rename", "Acme Corp", "--slug", "acme-corp"], [json(200, { ...org, name: "Acme Corp", slug: "acme-corp" })]);
    expect([rename.code, rename.stdout]).toEqual([EXIT_OK, "Done. Acme Corp (slug acme-corp, org_1), 2 members.\n"]);
    expect([rename.calls[0]?.init.method, rename.calls[0]?.body]).toEqual(["PATCH", { name: "Acme Corp", slug: "acme-corp" }]);
  });
});

describe("gatehouse org close", () => {
  it("POSTs the typed confirmation and says what happened", async () => {
    const run = await runCli(
      ["org", "close", "--confirm", "acme"],
      [json(200, { id: "org_1", slug: "acme", closedAt: "2026-11-22T10:00:00.000Z", closedBy: "mem_1", cancelledApprovals: 1 })],
    );
    expect(run.code).toBe(EXIT_OK);
    expect(run.stdout).toBe("Closed acme (org_1) at 2026-11-22T10:00:00.000Z; cancelled 1 pending approval. Its keys no longer work.\n");
    expect([run.calls[0]?.init.method, run.calls[0]?.url, run.calls[0]?.body]).toEqual(["POST", "https://gh.example.com/v1/admin/org/close", { confirm: "acme" }]);
  });
});

describe("gatehouse settings", () => {
  const settings = { circuitBreaker: { failureThreshold: 10, windowSeconds: 60, cooldownSeconds: 30 }, approvalTimeoutSeconds: 3600 };

  it("get prints them; set PATCHes only the ones given", async () => {
    const get = await runCli(["settings", "get"], [json(200, settings)]);
    expect(get.stdout).toBe("Default approval timeout: 3600 s\nCircuit breaker: opens after 10 denials or failures within 60 s; probes after 30 s\n");
    const set = await runCli(["settings", "set", "--approval-timeout", "7200", "--cooldown-seconds", "45"], [json(200, { ...settings, approvalTimeoutSeconds: 7200 })]);
    expect(set.code).toBe(EXIT_OK);
    expect([set.calls[0]?.init.method, set.calls[0]?.url, set.calls[0]?.body]).toEqual([
      "PATCH",
      "https://gh.example.com/v1/admin/settings",
      { approvalTimeoutSeconds: 7200, circuitBreaker: { cooldownSeconds: 45 } },
    ]);
  });

  it("under the two-admin rule, a weakening change is not applied: it says which settings and which approval waits", async () => {
    const pending = {
      status: "pending_approval",
      approvalId: "apr_1",
      weakened: [{ path: "circuitBreaker.failureThreshold", before: 10, after: 500, weakening: "raised: an agent's breaker opens only after more failures" }],
    };
    const run = await runCli(["settings", "set", "--failure-threshold", "500"], [json(202, pending)]);
    expect([run.code, run.stdout]).toEqual([
      EXIT_OK,
      "Not applied yet: this change weakens enforcement (circuitBreaker.failureThreshold) while the two-admin rule is on.\nAnother owner or admin must approve apr_1.\n",
    ]);
    const asJson = await runCli(["settings", "set", "--failure-threshold", "500", "--json"], [json(202, pending)]);
    expect(JSON.parse(asJson.stdout)).toEqual(pending);
  });

  it("loop detection: printed, and set with --loops, --loop-repeats, --loop-window and --halt-on-loop", async () => {
    const loops = { enabled: true, maxRepeats: 20, windowSeconds: 60, haltAgent: false };
    const get = await runCli(["settings", "get"], [json(200, { ...settings, loops })]);
    expect(get.stdout).toContain("Loops: the same call more than 20 times within 60 s is refused\n");
    const set = await runCli(
      ["settings", "set", "--loop-repeats", "5", "--loop-window", "120", "--halt-on-loop", "on", "--loops", "on"],
      [json(200, { ...settings, loops: { enabled: true, maxRepeats: 5, windowSeconds: 120, haltAgent: true } })],
    );
    expect(set.calls[0]?.body).toEqual({ loops: { enabled: true, maxRepeats: 5, windowSeconds: 120, haltAgent: true } });
    expect(set.stdout).toContain("Loops: the same call more than 5 times within 120 s is refused, and the agent halted\n");
    const off = await runCli(["settings", "set", "--loops", "off"], [json(200, { ...settings, loops: { ...loops, enabled: false } })]);
    expect([off.calls[0]?.body, off.stdout.includes("Loops: not refused (off)")]).toEqual([{ loops: { enabled: false } }, true]);
  });

  it("a refused value is the server's 400, naming the field", async () => {
    const run = await runCli(
      ["settings", "set", "--approval-timeout", "59"],
      [json(400, { error: { code: "VALIDATION", message: "approvalTimeoutSeconds: Too small: expected number to be >=60", requestId: "req_1" } })],
    );
    expect(run.code).toBe(EXIT_FAILURE);
    expect(run.stderr).toContain("approvalTimeoutSeconds");
  });
});

describe("command-line mistakes: exit status 2, no call", () => {
  it.each([
    ["members without a command", ["members"], "Usage: gatehouse members"],
    ["set-role without a role", ["members", "set-role", "mem_1"], "error: members set-role needs a role"],
    ["set-role without an id", ["members", "set-role"], "error: members set-role needs a member id and a role"],
    ["remove with an extra argument", ["members", "remove", "mem_1", "mem_2"], 'error: unexpected argument "mem_2"'],
    ["an unknown members command", ["members", "kick"], 'error: unknown command "members kick"'],
    ["create without --role", ["invitations", "create", "a@example.test"], "error: invitations create (--role) needs a role"],
    ["create with a bad --expires-in-days", ["invitations", "create", "a@example.test", "--role", "viewer", "--expires-in-days", "90"], "error: --expires-in-days must be"],
    ["an option of another command", ["invitations", "revoke", "inv_1", "--json"], "error: invitations revoke does not take --json"],
    ["rename without a name or slug", ["org", "rename"], "error: org rename needs a new name"],
    ["close without --confirm", ["org", "close"], "error: org close needs --confirm <slug>"],
    ["settings set without a setting", ["settings", "set"], "error: settings set needs at least one setting"],
    ["settings set with a word for a number", ["settings", "set", "--approval-timeout", "an hour"], "error: --approval-timeout must be a whole number"],
    ["settings set --loops with neither on nor off", ["settings", "set", "--loops", "yes"], 'error: --loops must be on or off, not "yes"'],
    ["settings set --loop-repeats with a word", ["settings", "set", "--loop-repeats", "many"], "error: --loop-repeats must be a whole number"],
  ])("%s", async (_case, argv, message) => {
    const run = await runCli(argv, []);
    expect(run.code).toBe(EXIT_USAGE);
    expect(run.stderr).toContain(message);
    expect(run.calls).toEqual([]);
  });

  it("each group has help", async () => {
    for (const group of ["members", "invitations", "org", "settings"]) {
      const run = await runCli([group, "--help"], []);
      expect([run.code, run.stdout.startsWith(`Usage: gatehouse ${group}`)]).toEqual([EXIT_OK, true]);
    }
    const sub = await runCli(["invitations", "create", "--help"], []);
    expect(sub.stdout).toMatch(/^Usage: gatehouse invitations create <email> --role <role>/);
    expect(sub.stdout).toContain("--api-key");
  });
});
