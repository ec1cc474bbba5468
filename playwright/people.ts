import { randomBytes } from "node:crypto";
import { hashPassword, newId, type MemberRole } from "@gatehouse/core";
import { db } from "@gatehouse/db";
import type { TestOrg } from "@gatehouse/db/testing";

/** A new user with a password, a member of `org` with `role`: the credentials to sign in with. */
export async function addMember(org: TestOrg, role: MemberRole): Promise<{ email: string; password: string }> {
  const suffix = randomBytes(4).toString("hex");
  const email = `${role}-${suffix}@example.test`;
  const password = `pw-${randomBytes(12).toString("hex")}`;
  const user = await db().user.create({ data: { id: newId("user"), email, name: `${role} ${suffix}`, passwordHash: await hashPassword(password) } });
  await db().membership.create({ data: { id: newId("membership"), orgId: org.org.id, userId: user.id, role } });
  return { email, password };
}
