// What global-setup.ts started, handed to the tests through one environment variable (workers are
// forked after global setup, so they inherit it).

export interface E2EStack {
  apiUrl: string;
  webUrl: string;
  org: { slug: string; name: string };
  member: { email: string; password: string };
  agent: { name: string; apiKey: string };
  /** An org the member does not belong to. */
  otherOrg: { slug: string };
  /** Where the harness's SMTP server (smtp.ts) writes each message it receives (read with mail.ts). */
  mailDir: string;
  /** The stand-in for Slack's Web API the services talk to, and the Slack app's secrets it accepts. */
  slack: { url: string; botToken: string; signingSecret: string };
  /** How the console was started (its directory, its environment, where logs go): a test starts a second instance over the same database with it. */
  console: { dir: string; logDir: string; env: NodeJS.ProcessEnv };
  /** The OpenID Connect provider the console signs in with (oidc.ts), when started. */
  oidc?: { issuer: string; name: string; domain: string; account: { login: string; email: string } };
}

export const STACK_ENV = "GATEHOUSE_E2E_STACK";

export function readStack(): E2EStack {
  const raw = process.env[STACK_ENV];
  if (!raw) throw new Error(`${STACK_ENV} is not set: run through playwright.config.ts so global-setup.ts starts the stack`);
  return JSON.parse(raw) as E2EStack;
}
