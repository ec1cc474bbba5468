import type { SigningKey } from "@gatehouse/contracts";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";
import { vkeyOf } from "./signing-keys";

/** A checkpoint key, public half, as the API answers it (its contract). */
export type SigningKeyView = SigningKey;

/** The org's checkpoint keys, oldest first. Retired keys stay listed: old checkpoints verify with them. */
export async function listSigningKeys({ ctx }: { ctx: Ctx }): Promise<SigningKeyView[]> {
  const keys = await db().signingKey.findMany({ where: { orgId: ctx.org.id }, orderBy: { createdAt: "asc" } });
  return keys.map((k) => ({ id: k.id, vkey: vkeyOf(k), status: k.status, createdAt: k.createdAt.toISOString(), retiredAt: k.retiredAt?.toISOString() ?? null }));
}
