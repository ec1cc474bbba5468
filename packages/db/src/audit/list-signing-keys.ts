import type { Ctx } from "../actors/context";
import { db } from "../infra/client";
import { vkeyOf } from "./signing-keys";

export interface SigningKeyView {
  id: string;
  /** C2SP signed-note verifier key: `<name>+<key hash>+<base64(0x01 ‖ public key)>`. */
  vkey: string;
  status: "active" | "retired";
  createdAt: string;
  retiredAt: string | null;
}

/** The org's checkpoint keys, oldest first. Retired keys stay listed: old checkpoints verify with them. */
export async function listSigningKeys({ ctx }: { ctx: Ctx }): Promise<SigningKeyView[]> {
  const keys = await db().signingKey.findMany({ where: { orgId: ctx.org.id }, orderBy: { createdAt: "asc" } });
  return keys.map((k) => ({ id: k.id, vkey: vkeyOf(k), status: k.status, createdAt: k.createdAt.toISOString(), retiredAt: k.retiredAt?.toISOString() ?? null }));
}
