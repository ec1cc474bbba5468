import { verifyPassword } from "@gatehouse/core";
import { z } from "zod";
import { db } from "../infra/client";

const inputSchema = z.object({ email: z.string().min(3).max(320), password: z.string().min(1).max(200) });

/** Console sign-in: email + password against the stored scrypt hash. Null on any mismatch. */
export async function authenticateUser({ input }: { input: unknown }): Promise<{ id: string; email: string; name: string } | null> {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) return null;
  const user = await db().user.findUnique({ where: { email: parsed.data.email.trim().toLowerCase() } });
  if (!user?.passwordHash) return null;
  if (!(await verifyPassword(parsed.data.password, user.passwordHash))) return null;
  return { id: user.id, email: user.email, name: user.name };
}
