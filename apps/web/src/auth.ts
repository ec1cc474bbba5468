import "server-only";
import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { authenticateUser } from "@gatehouse/db";
import { baseAuthConfig } from "./auth.config";

const credentialsSchema = z.object({
  email: z.email().max(320),
  password: z.string().min(1).max(1024),
});

export const { handlers, auth, signIn, signOut } = NextAuth(() => {
  const base = baseAuthConfig();
  return {
    ...base,
    providers: [
      Credentials({
        credentials: { email: { type: "email" }, password: { type: "password" } },
        async authorize(raw) {
          const parsed = credentialsSchema.safeParse(raw);
          if (!parsed.success) throw new CredentialsSignin();
          const user = await authenticateUser({ input: parsed.data });
          if (!user) throw new CredentialsSignin();
          return { id: user.id, email: user.email, name: user.name };
        },
      }),
    ],
  };
});
