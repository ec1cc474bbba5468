import { validationError } from "@gatehouse/core";
import { z } from "zod";
import { db, TX_OPTIONS } from "../infra/client";
import { parse, tokenField } from "./fields";
import { consumeToken } from "./tokens";
import { SPENT_LINK } from "./verify-email";

const inputSchema = z.object({ token: tokenField });

/**
 * Uses an emailed sign-in link (requestSignInLink): the account it was issued for, for the console to
 * start a session. Spent in the same step, so it works once, even when used twice at the same moment;
 * every other unused sign-in link of the account is spent with it. A used, expired or unknown link,
 * or one issued before the account's sessions were last ended, is a 400 naming `token`. No
 * sign-in limit applies: a link is 256 random bits, and a limit here would be one an attacker could fill.
 */
export async function signInWithLink({ input }: { input: unknown }): Promise<{ id: string; email: string; name: string; sessionVersion: number }> {
  const { token } = parse(inputSchema, input);
  return db().$transaction(async (tx) => {
    const spent = await consumeToken(tx, token, "sign_in");
    if (!spent) throw validationError([{ path: "token", message: SPENT_LINK }]);
    const user = await tx.user.findUniqueOrThrow({ where: { id: spent.userId }, select: { id: true, email: true, name: true, sessionVersion: true, emailVerifiedAt: true } });
    if (!user.emailVerifiedAt) throw validationError([{ path: "token", message: SPENT_LINK }]);
    return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
  }, TX_OPTIONS);
}
