import "server-only";
import NextAuth, { CredentialsSignin, type User } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import type { OIDCConfig } from "next-auth/providers";
import { z } from "zod";
import { cookies } from "next/headers";
import {
  authenticateUser,
  DEVICE_COOKIE_TTL_MS,
  deviceCookieKey,
  deviceCookieName,
  EMAIL_UNVERIFIED,
  endConsoleSession,
  isDomainError,
  issueDeviceCookie,
  signInWithLink,
  signInWithSso,
  startConsoleSession,
} from "@gatehouse/db";
import { baseAuthConfig, OIDC_PROVIDER_ID, SIGN_IN_PATH } from "./auth.config";
import { env, oidcConfig, type OidcConfig } from "./env";
import { clientAddress } from "./server/client-address";

const credentialsSchema = z.object({
  email: z.email().max(320),
  password: z.string().min(1).max(1024),
});

/** The next-auth provider behind "Email me a sign-in link" (its authorize spends the link). */
export const EMAIL_LINK_PROVIDER_ID = "email-link";

/** Device cookies are signed with a key derived from AUTH_SECRET (docs/adr/0017). */
let deviceKey: { secret: string; key: Buffer } | undefined;
function currentDeviceKey(): Buffer {
  const secret = env().AUTH_SECRET;
  if (deviceKey?.secret !== secret) deviceKey = { secret, key: deviceCookieKey(secret) };
  return deviceKey.key;
}

/** Sets the browser's device cookie for the account: HttpOnly, same-site, Secure on an https console. */
async function setDeviceCookie(email: string, value: string): Promise<void> {
  const origin = env().AUTH_URL ?? env().GATEHOUSE_CONSOLE_URL ?? "";
  (await cookies()).set(deviceCookieName(email), value, {
    httpOnly: true,
    sameSite: "lax",
    secure: origin.startsWith("https:"),
    path: "/",
    maxAge: Math.floor(DEVICE_COOKIE_TTL_MS / 1000),
  });
}

/**
 * Too many failed sign-ins for the email or from the address: refused before the password was
 * checked. The sign-in form says when to try again; a direct POST to the callback lands on
 * /signin?error=CredentialsSignin&code=rate_limited.
 */
export class TooManySignInAttempts extends CredentialsSignin {
  override code = "rate_limited";
  constructor(readonly retryAfterSeconds: number) {
    super();
  }
}

/**
 * The right password for an account whose email is not verified yet: the sign-in form says so and
 * offers to resend the link; a direct POST lands on /signin?error=CredentialsSignin&code=email_unverified.
 */
export class EmailNotVerified extends CredentialsSignin {
  override code = "email_unverified";
}

/** A sign-in link that is used, expired or unknown: /signin?error=CredentialsSignin&code=link_spent. */
export class SignInLinkRefused extends CredentialsSignin {
  override code = "link_spent";
}

/** The claims Gatehouse reads from the provider's userinfo answer (checked against the ID token's subject). */
interface OidcProfile {
  sub: string;
  email?: string;
  email_verified?: unknown;
  name?: string;
  [claim: string]: unknown;
}

/**
 * The instance's OpenID Connect provider (ADR 0012): issuer discovery, the authorization code flow
 * with PKCE, state and nonce checked by @auth/core, the ID token validated, then the profile read
 * from the userinfo endpoint (every OIDC provider has one; some leave email out of the ID token).
 */
function oidcProvider(config: OidcConfig): OIDCConfig<OidcProfile> {
  return {
    id: OIDC_PROVIDER_ID,
    name: config.name,
    type: "oidc",
    issuer: config.issuer,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    checks: ["pkce", "state", "nonce"],
    idToken: false,
    authorization: { params: { scope: "openid email profile" } },
    profile: (profile) => ({ id: profile.sub, email: profile.email ?? null, name: profile.name ?? null }),
  };
}

/** Where a refused single sign-on lands: the sign-in page says why (?error=sso&code=…). */
function ssoRefusal(code: string): string {
  return `${SIGN_IN_PATH}?${new URLSearchParams({ error: "sso", code })}`;
}

/**
 * The signIn callback for the OIDC provider: the account behind the provider's identity (created or
 * joined to its routed org by signInWithSso), written onto `user` for the jwt callback. A provider that
 * did not assert a verified email, or an identity that does not match the account, is refused.
 */
async function admitSsoUser(config: OidcConfig, user: User, profile: unknown): Promise<true | string> {
  const claims = (profile ?? {}) as Partial<OidcProfile>;
  try {
    const account = await signInWithSso({ input: { issuer: config.issuer, subject: claims.sub, email: claims.email, emailVerified: claims.email_verified, name: claims.name } });
    user.id = account.id;
    user.email = account.email;
    user.name = account.name;
    user.sessionVersion = account.sessionVersion;
    return true;
  } catch (error) {
    if (isDomainError(error) && error.code === "FORBIDDEN") {
      const reason = (error.details as { reason?: unknown } | undefined)?.reason;
      return ssoRefusal(typeof reason === "string" ? reason.toLowerCase() : "refused");
    }
    throw error;
  }
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => {
  const base = baseAuthConfig();
  const oidc = oidcConfig();
  return {
    ...base,
    callbacks: {
      ...base.callbacks,
      async signIn({ user, account, profile }) {
        if (account?.provider !== OIDC_PROVIDER_ID) return true;
        if (!oidc) return false;
        return admitSsoUser(oidc, user, profile);
      },
      // At sign-in only (user is set then): the session is recorded in the database and its id
      // travels in the JWT; every later request reads that row (server/session.ts).
      async jwt({ token, user, account }) {
        if (!user?.id) return token;
        const { sessionId } = await startConsoleSession({ userId: user.id, sessionVersion: user.sessionVersion ?? 0 });
        return { ...token, sub: user.id, sid: sessionId, sm: account?.provider === OIDC_PROVIDER_ID ? "sso" : "password" };
      },
    },
    events: {
      // Signing out (the console's button, or POST /api/auth/signout) ends this session in the
      // database, so the cookie, if replayed, is refused by every instance.
      async signOut(message) {
        const token = "token" in message ? message.token : null;
        if (token?.sub && typeof token.sid === "string") await endConsoleSession({ userId: token.sub, sessionId: token.sid });
      },
    },
    providers: [
      ...(oidc ? [oidcProvider(oidc)] : []),
      Credentials({
        credentials: { email: { type: "email" }, password: { type: "password" } },
        async authorize(raw, request) {
          const parsed = credentialsSchema.safeParse(raw);
          if (!parsed.success) throw new CredentialsSignin();
          const source = clientAddress(request.headers);
          const deviceCookie = (await cookies()).get(deviceCookieName(parsed.data.email))?.value ?? null;
          let user: Awaited<ReturnType<typeof authenticateUser>>;
          try {
            user = await authenticateUser({ input: { ...parsed.data, source, deviceCookie }, deps: { deviceKey: currentDeviceKey() } });
          } catch (error) {
            if (isDomainError(error) && error.code === "RATE_LIMITED") throw new TooManySignInAttempts(error.retryAfterSeconds ?? 60);
            if (isDomainError(error) && (error.details as { reason?: unknown } | undefined)?.reason === EMAIL_UNVERIFIED) throw new EmailNotVerified();
            throw error;
          }
          if (!user) throw new CredentialsSignin();
          if (user.deviceCookie) await setDeviceCookie(user.email, user.deviceCookie);
          return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
        },
      }),
      // An emailed sign-in link (requestSignInLink): spent here, once. The browser that used it gets a
      // device cookie for the account, as a password sign-in would.
      Credentials({
        id: EMAIL_LINK_PROVIDER_ID,
        name: "Email link",
        credentials: { token: { type: "text" } },
        async authorize(raw) {
          let user: Awaited<ReturnType<typeof signInWithLink>>;
          try {
            user = await signInWithLink({ input: { token: (raw as { token?: unknown }).token } });
          } catch (error) {
            if (isDomainError(error) && error.code === "VALIDATION") throw new SignInLinkRefused();
            throw error;
          }
          await setDeviceCookie(user.email, issueDeviceCookie(user.email, currentDeviceKey()));
          return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
        },
      }),
    ],
  };
});
