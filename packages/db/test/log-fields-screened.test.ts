import { randomBytes } from "node:crypto";
import { type AuditEntryInput, type ContentAction } from "@gatehouse/core";
import { afterAll, describe, expect, it } from "vitest";
import { closeSignals, db, disconnectDb } from "../src";
import { TX_OPTIONS } from "../src/infra/client";
import { appendAuditEntries } from "../src/audit/append-audit-entries";
import { forgetOrgSettings } from "../src/snapshots/settings-snapshot";
import { updateOrgSettings } from "../src/orgs/update-org-settings";
import { createTestOrg, type TestOrg } from "../src/testing";

// The append screens every entry a caller's text reaches by its type's declaration (core's LOG_FIELDS),
// whichever service appends it (docs/content.md, "Every field of the log"): a service that forgets to
// screen still writes no secret, and what the rules refuse rolls its whole transaction back.

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

const token = () =>
  `ghp_${randomBytes(27)
    .toString("base64url")
    .replace(/[^A-Za-z0-9]/g, "x")
    .slice(0, 36)}`;
const SYSTEM = { type: "system", id: "log-fields-test" } as const;

async function orgWith(secrets: ContentAction): Promise<TestOrg> {
  const org = await createTestOrg({ label: `append-${secrets}` });
  await updateOrgSettings({ ctx: org.ctx, input: { content: { secrets, personalData: "flag" } } });
  forgetOrgSettings(org.org.id);
  return org;
}

/** Appends in a transaction that also writes a row of its own (a marker agent), to see what a refusal rolls back. */
async function append(org: TestOrg, entries: AuditEntryInput[]): Promise<{ error?: { code: string; issues: Array<{ path: string }> } }> {
  try {
    await db().$transaction(async (tx) => {
      await tx.agent.update({ where: { id: org.agent.id }, data: { description: "touched" } });
      await appendAuditEntries(tx, org.org.id, entries);
    }, TX_OPTIONS);
    return {};
  } catch (error) {
    const e = error as { code: string; details?: { issues: Array<{ path: string }> } };
    return { error: { code: e.code, issues: e.details?.issues ?? [] } };
  }
}

const canonicalOf = async (orgId: string, type: string) =>
  (await db().auditEntry.findMany({ where: { orgId, type }, select: { canonical: true } })).map((e) => e.canonical).join("\n");

describe("the append screens what a caller's text reaches", () => {
  it("redact: a reason is sealed with its placeholder", async () => {
    const org = await orgWith("redact");
    const secret = token();
    const answer = await append(org, [
      { type: "agent.halted", actor: SYSTEM, agentId: org.agent.id, subjectId: org.agent.id, data: { name: org.agent.name, reason: `leaked ${secret}` } },
    ]);
    expect(answer).toEqual({});
    const written = await canonicalOf(org.org.id, "agent.halted");
    expect(written).not.toContain(secret);
    expect(written).toMatch(/leaked \[secret:github_token#[0-9a-f]{8}\]/);
  });

  it.each(["redact", "deny"] as const)("%s: an identifier holding a secret refuses the append, naming it, and the transaction rolls back", async (secrets) => {
    const org = await orgWith(secrets);
    const secret = token();
    const before = Number((await db().auditLogHead.findUniqueOrThrow({ where: { orgId: org.org.id } })).size);
    const answer = await append(org, [
      {
        type: "agent.created",
        actor: SYSTEM,
        agentId: org.agent.id,
        subjectId: org.agent.id,
        data: { name: "bot", labels: { token: secret }, keyId: "key_x", keyPrefix: "gh_agent_x" },
      },
    ]);
    expect(answer.error).toEqual({ code: "VALIDATION", issues: [expect.objectContaining({ path: "labels.token" })] });
    expect(JSON.stringify(answer)).not.toContain(secret);
    expect(Number((await db().auditLogHead.findUniqueOrThrow({ where: { orgId: org.org.id } })).size)).toBe(before);
    expect((await db().agent.findUniqueOrThrow({ where: { id: org.agent.id } })).description).not.toBe("touched");
  });

  it("deny: free text refuses the append naming the field; an entry with no caller text beside it is not written either", async () => {
    const org = await orgWith("deny");
    const secret = token();
    const answer = await append(org, [
      { type: "account.sessions_ended", actor: SYSTEM, data: { userId: org.owner.userId } },
      { type: "audit.erased", actor: SYSTEM, data: { entries: [], reason: `asked by ${secret}` } },
    ]);
    expect(answer.error?.issues.map((i) => i.path)).toEqual(["reason"]);
    expect(await canonicalOf(org.org.id, "account.sessions_ended")).toBe("");
  });

  it.each(["flag", "off"] as const)("%s: the org keeps what it sends (identifiers and text are sealed as sent)", async (secrets) => {
    const org = await orgWith(secrets);
    const secret = token();
    expect(await append(org, [{ type: "agent.resumed", actor: SYSTEM, agentId: org.agent.id, subjectId: org.agent.id, data: { name: org.agent.name, reason: secret } }])).toEqual(
      {},
    );
    expect(await canonicalOf(org.org.id, "agent.resumed")).toContain(secret);
  });
});
