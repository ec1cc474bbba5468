import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

// A real OpenID Connect provider (the `oidc-provider` package) on a loopback port, for the SSO journey
// (sso.spec.ts). Its development login page takes any login and password: the login is the account id,
// and an account whose id is an email address has that email, verified — unless its local part starts
// with "unverified", which the provider then reports as not verified (email_verified: false).

export interface OidcProviderHandle {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The email domain of the test accounts (the spec routes it to an org). */
  domain: string;
  /** A test account: type its login (any password) on the provider's login page. */
  account: { login: string; email: string };
  stop: () => Promise<void>;
}

/**
 * Starts the provider with one confidential client whose redirect URI is the console's OIDC callback,
 * under both names of the loopback host: Next.js spells 127.0.0.1 "localhost" in a route handler's
 * request URL, so the console's callback (and the browser, for its cookies) must use localhost.
 */
export async function startOidcProvider({ consoleUrl, domain }: { consoleUrl: string; domain: string }): Promise<OidcProviderHandle> {
  const clientId = "gatehouse-console";
  const clientSecret = randomBytes(24).toString("base64url");
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [consoleUrl, consoleUrl.replace("//127.0.0.1:", "//localhost:")].map((base) => `${base}/api/auth/callback/oidc`),
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    // Fixed lifetimes (the defaults print a notice each): the journeys take seconds.
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    findAccount: (_ctx, id) => ({
      accountId: id,
      claims: () => {
        const email = id.includes("@") ? id.toLowerCase() : undefined;
        return { sub: id, ...(email ? { email, email_verified: !email.startsWith("unverified"), name: email.slice(0, email.indexOf("@")) } : {}) };
      },
    }),
  });
  // A refused token request says why only here (the console sees "invalid_grant"): print it.
  provider.on("grant.error", (_ctx, error) => console.error("[oidc] grant refused:", (error as { error_detail?: string }).error_detail ?? error));
  server.on("request", provider.callback());
  const email = `new.person@${domain}`;
  return {
    issuer,
    clientId,
    clientSecret,
    domain,
    account: { login: email, email },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
