import { hashPassword, newId } from "@gatehouse/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeSignals, disconnectDb } from "../src";
import { changePassword, endAllSessions, endConsoleSession, getSessionAccount, resetPassword, startConsoleSession } from "../src/accounts";
import { consumeToken, issueToken, type TokenPurpose } from "../src/accounts/tokens";
import { db, TX_OPTIONS } from "../src/infra/client";
import { authenticateApiKey } from "../src/keys/authenticate-api-key";
import { issueAdminKey } from "../src/keys/issue-admin-key";
import { changeMemberRole, removeMember } from "../src/cascades";
import { addTestMember, createTestOrg, type TestOrg } from "../src/testing";

// Every token kind × every way a session ends (issue 23). A member of two orgs holds two console
// sessions, an outstanding password-reset link, an outstanding email-verification link, an admin key
// in the org where the ending happens and one in their other org; a bystander in the same org holds
// the same. After each ending, each token either no longer works or still does, as the table says.
// "Works" is asked the way every instance asks: a database read (getSessionAccount; consumeToken in
// a transaction rolled back, so asking spends nothing), and for admin keys authenticateApiKey with the
// key cached beforehand, so a stale cache would show.

const PASSWORD = "the member's own password";

let org: TestOrg;
let otherOrg: TestOrg;

beforeAll(async () => {
  org = await createTestOrg({ label: "endings" });
  otherOrg = await createTestOrg({ label: "endings-other" });
});
afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

interface Holder {
  userId: string;
  membershipId: string;
  email: string;
  /** The session that signs out (in the sign-out row). */
  thisSession: string;
  otherSession: string;
  resetToken: string;
  verifyToken: string;
  adminKey: string;
  otherOrgAdminKey: string;
}

/** A member (role admin) with a password, two sessions, both links, and an admin key in each of two orgs. */
async function holder(label: string): Promise<Holder> {
  const member = await addTestMember(org, "admin", label);
  await db().user.update({ where: { id: member.userId }, data: { passwordHash: await hashPassword(PASSWORD) } });
  const elsewhere = await db().membership.create({ data: { id: newId("membership"), orgId: otherOrg.org.id, userId: member.userId, role: "admin" } });
  const otherOrgKey = await issueAdminKey({ ctx: otherOrg.ctx, input: { membershipId: elsewhere.id } });
  const [thisSession, otherSession] = await Promise.all([0, 1].map(() => startConsoleSession({ userId: member.userId, sessionVersion: 0 })));
  const issue = (purpose: TokenPurpose) => db().$transaction((tx) => issueToken(tx, member.userId, purpose), TX_OPTIONS);
  return {
    userId: member.userId,
    membershipId: member.membershipId,
    email: member.email,
    thisSession: thisSession!.sessionId,
    otherSession: otherSession!.sessionId,
    resetToken: await issue("reset_password"),
    verifyToken: await issue("verify_email"),
    adminKey: member.apiKey,
    otherOrgAdminKey: otherOrgKey.apiKey,
  };
}

class RolledBack extends Error {
  constructor(readonly works: boolean) {
    super("rolled back");
  }
}

/** Whether the link would work now: consumeToken as resetPassword/verifyEmail call it, rolled back. */
async function linkWorks(token: string, purpose: TokenPurpose): Promise<boolean> {
  try {
    await db().$transaction(async (tx) => {
      throw new RolledBack((await consumeToken(tx, token, purpose)) !== null);
    }, TX_OPTIONS);
  } catch (error) {
    if (error instanceof RolledBack) return error.works;
    throw error;
  }
  throw new Error("unreachable: the transaction always throws");
}

async function keyWorks(apiKey: string): Promise<boolean> {
  return authenticateApiKey(apiKey).then(
    () => true,
    () => false,
  );
}

/** What still works of one holder's tokens. */
async function stillWorks(h: Holder): Promise<Record<string, boolean>> {
  return {
    thisSession: (await getSessionAccount({ userId: h.userId, sessionId: h.thisSession })) !== null,
    otherSession: (await getSessionAccount({ userId: h.userId, sessionId: h.otherSession })) !== null,
    resetLink: await linkWorks(h.resetToken, "reset_password"),
    verifyLink: await linkWorks(h.verifyToken, "verify_email"),
    adminKey: await keyWorks(h.adminKey),
    otherOrgAdminKey: await keyWorks(h.otherOrgAdminKey),
  };
}

const ALL_WORK = { thisSession: true, otherSession: true, resetLink: true, verifyLink: true, adminKey: true, otherOrgAdminKey: true };
const owner = () => ({
  org: org.org,
  actor: { type: "user" as const, userId: org.owner.userId, membershipId: org.owner.membershipId, role: "owner" as const },
  requestId: "endings",
});

type Ending = "sign-out" | "sign out everywhere" | "password change" | "password reset" | "removal" | "role change";

const ENDINGS: Record<Ending, { end: (h: Holder) => Promise<unknown>; after: Record<keyof typeof ALL_WORK, boolean> }> = {
  // This session only: the user's other session, links and keys are untouched.
  "sign-out": {
    end: (h) => endConsoleSession({ userId: h.userId, sessionId: h.thisSession }),
    after: { ...ALL_WORK, thisSession: false },
  },
  "sign out everywhere": {
    end: (h) => endAllSessions({ userId: h.userId }),
    after: { ...ALL_WORK, thisSession: false, otherSession: false, resetLink: false, verifyLink: false },
  },
  "password change": {
    end: (h) => changePassword({ userId: h.userId, input: { currentPassword: PASSWORD, newPassword: "a brand new password" } }),
    after: { ...ALL_WORK, thisSession: false, otherSession: false, resetLink: false, verifyLink: false },
  },
  // With a second reset link (the one checked stays outstanding until then).
  "password reset": {
    end: async (h) => {
      const used = await db().$transaction((tx) => issueToken(tx, h.userId, "reset_password"), TX_OPTIONS);
      return resetPassword({ input: { token: used, password: "a brand new password" } });
    },
    after: { ...ALL_WORK, thisSession: false, otherSession: false, resetLink: false, verifyLink: false },
  },
  // The admin keys in this org are revoked; the one in the member's other org is not.
  removal: {
    end: (h) => removeMember({ ctx: owner(), input: { membershipId: h.membershipId } }),
    after: { thisSession: false, otherSession: false, resetLink: false, verifyLink: false, adminKey: false, otherOrgAdminKey: true },
  },
  "role change": {
    end: (h) => changeMemberRole({ ctx: owner(), input: { membershipId: h.membershipId, body: { role: "viewer" } } }),
    after: { thisSession: false, otherSession: false, resetLink: false, verifyLink: false, adminKey: false, otherOrgAdminKey: true },
  },
};

describe("every token kind × every way a session ends", () => {
  it.each(Object.keys(ENDINGS) as Ending[])("%s: what ends no longer works, at once; the rest and a bystander's tokens still do", async (ending) => {
    const [member, bystander] = [await holder("ending"), await holder("bystander")];
    expect(await stillWorks(member)).toEqual(ALL_WORK);
    expect(await stillWorks(bystander)).toEqual(ALL_WORK); // every key is now cached in this process

    await ENDINGS[ending].end(member);

    expect(await stillWorks(member)).toEqual(ENDINGS[ending].after);
    expect(await stillWorks(bystander)).toEqual(ALL_WORK);
  });
});

describe("a session ended while its sign-in was under way", () => {
  it("is not recorded: a sign-in that read the version before a password change, sign out everywhere, removal or role change is refused", async () => {
    const member = await holder("race");
    await endAllSessions({ userId: member.userId });
    await expect(startConsoleSession({ userId: member.userId, sessionVersion: 0 })).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    const { sessionId } = await startConsoleSession({ userId: member.userId, sessionVersion: 1 });
    expect(await getSessionAccount({ userId: member.userId, sessionId })).not.toBeNull();
  });

  it("a session id is the user's own: another user's session id, an ended, an expired or an unknown one does not count", async () => {
    const [a, b] = [await holder("own-a"), await holder("own-b")];
    expect(await getSessionAccount({ userId: b.userId, sessionId: a.thisSession })).toBeNull();
    expect(await getSessionAccount({ userId: a.userId, sessionId: "ses_0000000000000000000000" })).toBeNull();
    await db().consoleSession.update({ where: { id: a.otherSession }, data: { expiresAt: new Date(Date.now() - 1) } });
    expect(await getSessionAccount({ userId: a.userId, sessionId: a.otherSession })).toBeNull();
    await endConsoleSession({ userId: b.userId, sessionId: a.thisSession });
    expect(await getSessionAccount({ userId: a.userId, sessionId: a.thisSession })).not.toBeNull();
  });
});
