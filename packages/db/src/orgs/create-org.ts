import { hashPassword, newId, newPasswordSchema, validationError, type ActorRef, type MemberRole } from "@gatehouse/core";
import { z } from "zod";
import type { OrgRef } from "../actors/context";
import { appendAuditEntries, GENESIS } from "../audit/append-audit-entries";
import { insertSigningKey } from "../audit/signing-keys";
import { db, TX_OPTIONS } from "../infra/client";

const inputSchema = z.object({
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]{1,47}$/, "must be 2-48 lower-case letters, digits or '-'"),
  name: z.string().min(1).max(200),
  owner: z.object({
    email: z.email().max(320),
    name: z.string().min(1).max(200),
    password: newPasswordSchema().optional(),
  }),
});

export interface CreatedOrg {
  org: OrgRef;
  owner: { userId: string; membershipId: string; role: MemberRole };
}

/**
 * Creates an organization, its empty audit log (head at the genesis hash) and its owner (a new user,
 * or an existing one by email). The org's first audit entry records who created it: the system
 * (seed, tests, operators), or with `ownerActs` the owner's new membership (a signed-up user's own org).
 */
export async function createOrg({
  input,
  ownerActs = false,
  ownerPasswordHash,
}: {
  input: z.input<typeof inputSchema>;
  ownerActs?: boolean;
  /** The owner's password already hashed (the test factory's, made once per run), used instead of hashing `owner.password`. */
  ownerPasswordHash?: string;
}): Promise<CreatedOrg> {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) throw validationError(parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
  const { slug, name, owner } = parsed.data;
  const passwordHash = ownerPasswordHash ?? (owner.password ? await hashPassword(owner.password) : null);
  return db().$transaction(async (tx) => {
    const org = await tx.org.create({ data: { id: newId("org"), slug, name } });
    await tx.auditLogHead.create({ data: { orgId: org.id, size: 0n, chainHash: GENESIS } });
    const email = owner.email.toLowerCase();
    const user = (await tx.user.findUnique({ where: { email } })) ?? (await tx.user.create({ data: { id: newId("user"), email, name: owner.name, passwordHash } }));
    const membership = await tx.membership.create({ data: { id: newId("membership"), orgId: org.id, userId: user.id, role: "owner" } });
    const actor: ActorRef = ownerActs ? { type: "member", id: membership.id } : { type: "system", id: "create-org" };
    await appendAuditEntries(tx, org.id, [
      { type: "org.created", actor, subjectId: org.id, data: { slug, name } },
      { type: "member.added", actor, subjectId: membership.id, data: { userId: user.id, email, role: "owner" } },
    ]);
    // The org's checkpoint key is born with it (and recorded), so checkpointing never writes to the log.
    await insertSigningKey(tx, org.id, { type: "system", id: "create-org" });
    return { org: { id: org.id, slug: org.slug, name: org.name }, owner: { userId: user.id, membershipId: membership.id, role: "owner" as const } };
  }, TX_OPTIONS);
}
