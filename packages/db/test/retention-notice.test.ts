import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestSmtp, type ReceivedMail } from "./fixtures/smtp";
import { closeSignals, disconnectDb } from "../src";
import { db } from "../src/infra/client";
import { closeRateLimiter } from "../src/infra/rate-limiter";
import { closeMail } from "../src/mail";
import { getMemberContext } from "../src/orgs";
import { RETENTION_NOTICE_SUBJECT } from "../src/orgs/tell-owners-of-retention";
import { changeOrgSettings } from "../src/policy-rollout";
import { addTestMember, createTestOrg, type TestMember, type TestOrg } from "../src/testing";

// A retention set or shortened by one owner alone (the two-admin rule off) removes evidence as an erasure does, so
// every other owner is told by email, as after an erasure (issue 62, point 4; docs/audit.md, Retention). Read from a
// real SMTP server: who gets it (the other owners; not the one who changed it, not an admin), what it says, and that
// keeping more (lengthening) sends nothing.

let smtp: Awaited<ReturnType<typeof startTestSmtp>>;
let inbox: ReceivedMail[];
let org: TestOrg;
let otherOwner: TestMember;
let thirdOwner: TestMember;
let admin: TestMember;

beforeAll(async () => {
  smtp = await startTestSmtp();
  inbox = smtp.inbox;
  // Before anything reads the environment (it is read once, on first use).
  process.env.SMTP_URL = smtp.url;
  org = await createTestOrg({ label: "retention-notice" });
  otherOwner = await addTestMember(org, "owner", "other-owner");
  thirdOwner = await addTestMember(org, "owner", "third-owner");
  admin = await addTestMember(org, "admin", "an-admin");
});
afterAll(async () => {
  delete process.env.SMTP_URL;
  closeMail();
  await smtp.stop();
  await disconnectDb();
  await closeSignals();
  await closeRateLimiter();
});

/** The retention notices to `email` so far, as text (quoted-printable undone, read as UTF-8). */
const noticesTo = (email: string) =>
  inbox
    .filter((mail) => mail.to.includes(email) && mail.raw.includes(RETENTION_NOTICE_SUBJECT))
    .map((mail) =>
      Buffer.from(
        mail.raw.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        "latin1",
      ).toString("utf8"),
    );

describe("a retention set or shortened by one owner alone", () => {
  it("every other owner is told (who, which fields from what to what, a link to the entry); not the owner who did it, not an admin; lengthening tells nobody", async () => {
    const ctx = await getMemberContext({ userId: org.owner.userId, orgSlug: org.org.slug, requestId: "console" });
    expect(await changeOrgSettings({ ctx, input: { retention: { decisions: 30 } } })).toMatchObject({ status: "applied" });
    expect(await changeOrgSettings({ ctx, input: { retention: { decisions: 365 } } })).toMatchObject({ status: "applied" });
    expect(await changeOrgSettings({ ctx, input: { retention: { secrets: 2, entries: 400 } } })).toMatchObject({ status: "applied" });
    await vi.waitFor(
      () => {
        expect(noticesTo(otherOwner.email)).toHaveLength(2);
        expect(noticesTo(thirdOwner.email)).toHaveLength(2);
      },
      { timeout: 10_000 },
    );
    const [first, second] = noticesTo(otherOwner.email) as [string, string];
    const entries = await db().auditEntry.findMany({ where: { orgId: org.org.id, type: "org.settings_changed" }, orderBy: { seq: "asc" }, select: { id: true } });
    expect(entries).toHaveLength(3);
    expect(first).toContain(org.owner.email);
    expect(first).toContain(org.org.slug);
    expect(first).toContain("retention.decisions: kept → 30 days");
    expect(first).toContain(`https://console.gatehouse.test/o/${org.org.slug}/audit?type=org.settings_changed&entry=${entries[0]!.id}`);
    expect(first).not.toContain("365");
    expect(second).toContain("retention.secrets: kept → 2 days");
    expect(second).toContain("retention.entries: kept → 400 days");
    expect(second).toContain(`entry=${entries[2]!.id}`);
    expect(noticesTo(org.owner.email)).toEqual([]);
    expect(noticesTo(admin.email)).toEqual([]);
  });
});
