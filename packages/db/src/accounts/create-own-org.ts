import { conflict, forbidden, unauthenticated } from "@gatehouse/core";
import { z } from "zod";
import { isUniqueViolation } from "../infra/prisma-errors";
import { db } from "../infra/client";
import { createOrg, type CreatedOrg } from "../orgs/create-org";
import { nameField, parse } from "./fields";
import { signupMode } from "./signup-mode";

const inputSchema = z.object({
  name: nameField,
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]{1,47}$/, "must be 2-48 lower-case letters, digits or '-', starting with a letter or digit"),
});

/**
 * Whether a signed-in user may create an org of their own. With sign-up `open`, anyone with a
 * verified account may; with `invite` or `off`, only someone who already belongs to an org of this
 * instance (an operator or an invitation let them in): an account alone does not make an org.
 */
export async function mayCreateOrg(userId: string): Promise<boolean> {
  if (signupMode() === "open") return true;
  return (await db().membership.count({ where: { userId, removedAt: null, org: { closedAt: null } }, take: 1 })) > 0;
}

/**
 * A signed-up (verified) user creates an org and becomes its owner, through createOrg; the org's
 * first entries name the new owner's membership as their actor. Who may: `mayCreateOrg` (403
 * otherwise). A slug in use is a 409 naming `slug`.
 */
export async function createOwnOrg({ userId, input }: { userId: string; input: unknown }): Promise<CreatedOrg> {
  if (!(await mayCreateOrg(userId))) throw forbidden("Creating organizations is turned off on this instance: ask an administrator of this Gatehouse.");
  const user = await db().user.findUnique({ where: { id: userId }, select: { email: true, name: true, emailVerifiedAt: true } });
  if (!user?.emailVerifiedAt) throw unauthenticated("Sign in again.");
  const { name, slug } = parse(inputSchema, input);
  try {
    return await createOrg({ input: { slug, name, owner: { email: user.email, name: user.name } }, ownerActs: true });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict("This address is taken: choose another.", { issues: [{ path: "slug", message: "is taken" }] });
    throw error;
  }
}
