import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { disconnectDb } from "@gatehouse/db";
import { migrate } from "@gatehouse/db/migrate";
import { createTestDatabase, createTestOrg, startSlackStandIn } from "@gatehouse/db/testing";
import { STACK_ENV, type E2EStack } from "./stack";
import { startOidcProvider } from "./oidc";
import { freePort, run, startPrivateRedis, startService } from "./services";
import { startSmtpServer } from "./smtp";

const ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
const WEB_DIR = join(ROOT, "apps/web");
const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test";

// Policies of the journey's org: pull requests may be opened, large ones merged with a person's
// approval (approvals.spec.ts); nothing else is allowed.
const POLICIES = [
  { name: "prs-may-open", description: "Agents may open pull requests", actions: ["pr.open"], agents: ["*"], effect: "allow" },
  {
    name: "large-merges-need-review",
    description: "Merging a PR that touches more than 50 files waits for a reviewer",
    actions: ["pr.merge"],
    agents: ["*"],
    when: { all: [{ field: "metadata.files", op: "gt", value: 50 }] },
    effect: "require_approval",
    approval: { quorum: 1, timeoutSeconds: 600 },
  },
  {
    name: "model-calls",
    description: "Model calls are allowed within a daily budget",
    actions: ["llm.*"],
    agents: ["*"],
    effect: "allow",
    budget: { limit: { tokens: 1_000_000, usd: 10 }, per: "agent-day" },
  },
];

/**
 * Builds the console, creates a fresh database next to $DATABASE_URL, migrates and seeds it, starts
 * one API, one worker and one console (on free ports), and waits until the API and the console are
 * healthy. Returns the teardown: stop the three, drop the database. Set GATEHOUSE_E2E_SKIP_BUILD=1 to reuse an existing build.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const cleanups: Array<() => Promise<void>> = [];
  const teardown = async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => console.error("[e2e] teardown step failed:", error));
    }
  };

  try {
    const baseEnv: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
    if (process.env.GATEHOUSE_E2E_SKIP_BUILD !== "1") {
      await run(join(ROOT, "node_modules/.bin/turbo"), ["run", "build", "--filter=@gatehouse/web", "--output-logs=errors-only"], {
        cwd: ROOT,
        env: baseEnv,
      });
    }

    const database = await createTestDatabase(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL, "gatehouse_e2e");
    cleanups.push(database.drop);
    await migrate({ url: database.url });

    // The factories write through the process-wide client, which reads DATABASE_URL on first use.
    process.env.DATABASE_URL = database.url;
    // One master key for this process and both services, so all of them can use the orgs' signing keys.
    process.env.GATEHOUSE_MASTER_KEY ??= randomBytes(32).toString("base64");
    cleanups.push(disconnectDb);
    const main = await createTestOrg({ label: "e2e", policies: POLICIES });
    const other = await createTestOrg({ label: "other" });
    await disconnectDb();

    const [apiPort, webPort] = [await freePort(), await freePort()];
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const webUrl = `http://127.0.0.1:${webPort}`;
    const workDir = await mkdtemp(join(tmpdir(), "gatehouse-e2e-"));
    console.log(`[e2e] database ${database.name}; api ${apiUrl}; web ${webUrl}; logs in ${workDir}`);

    // A real SMTP server: the services send their mail to it, and it writes each message to mailDir.
    const mailDir = join(workDir, "mail");
    const smtp = await startSmtpServer(mailDir);
    cleanups.push(smtp.stop);
    // A stand-in for Slack's Web API (the services' official @slack/web-api client talks to it).
    const slack = await startSlackStandIn();
    cleanups.push(slack.close);
    process.env.GATEHOUSE_SLACK_API_URL = slack.url;

    // A Redis of this run's own for the services and the specs' process (signals between them, rate
    // counters that start empty whatever earlier runs counted in the shared one).
    const redis = await startPrivateRedis();
    cleanups.push(redis.stop);
    process.env.REDIS_URL = redis.url;

    // The specs' own process sends mail through the same SMTP server when it calls a service directly
    // (it is neither started for development nor without mail), with links on the console's address.
    process.env.SMTP_URL = smtp.url;
    process.env.GATEHOUSE_CONSOLE_URL = webUrl;
    process.env.GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE = "1";
    const serviceEnv: NodeJS.ProcessEnv = {
      ...baseEnv,
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      GATEHOUSE_HOME: join(workDir, "home"),
      GATEHOUSE_MASTER_KEY: process.env.GATEHOUSE_MASTER_KEY,
      SMTP_URL: smtp.url,
      MAIL_FROM: "Gatehouse E2E <gatehouse@example.test>",
      // Every mailed link starts with the console's address, never with a request's Host header.
      GATEHOUSE_CONSOLE_URL: webUrl,
      // The built console runs with NODE_ENV=production, which needs the sign-up mode chosen (signup.spec.ts signs up).
      GATEHOUSE_SIGNUP: "open",
      // The specs' webhook receivers listen on loopback (docs/webhooks.md: what the tests and `npm start` allow).
      GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE: "1",
      GATEHOUSE_SLACK_API_URL: slack.url,
    };
    const api = startService({
      name: "api",
      command: "npm",
      args: ["run", "api"],
      cwd: ROOT,
      env: { ...serviceEnv, API_PORT: String(apiPort), API_HOST: "127.0.0.1", LOG_LEVEL: "warn" },
      logDir: workDir,
    });
    cleanups.push(() => api.stop());
    // Approval expiry and background checkpoints, as in `npm start`; it has no health endpoint.
    const worker = startService({
      name: "worker",
      command: "npm",
      args: ["run", "worker"],
      cwd: ROOT,
      env: { ...serviceEnv, LOG_LEVEL: "warn" },
      logDir: workDir,
    });
    cleanups.push(() => worker.stop());
    // The instance's single sign-on (sso.spec.ts): a real OpenID Connect provider on a loopback port.
    const oidc = await startOidcProvider({ consoleUrl: webUrl, domain: "sso.example.test" });
    cleanups.push(oidc.stop);
    const webEnv: Record<string, string> = {
      AUTH_SECRET: randomBytes(32).toString("base64url"),
      AUTH_TRUST_HOST: "true",
      API_URL: apiUrl,
      AUTH_OIDC_ISSUER: oidc.issuer,
      AUTH_OIDC_CLIENT_ID: oidc.clientId,
      AUTH_OIDC_CLIENT_SECRET: oidc.clientSecret,
      AUTH_OIDC_NAME: "Test IdP",
    };
    // As `npm run web` runs it: the console's own server, which sets the client address (docs/adr/0017).
    const web = startService({
      name: "web",
      command: "npm",
      args: ["run", "--silent", "web"],
      cwd: ROOT,
      env: { ...serviceEnv, ...webEnv, WEB_PORT: String(webPort), WEB_HOST: "127.0.0.1" },
      logDir: workDir,
    });
    cleanups.push(() => web.stop());

    await Promise.all([api.waitUntilHealthy(`${apiUrl}/healthz`, 60_000), web.waitUntilHealthy(`${webUrl}/api/healthz`, 60_000)]);

    const stack: E2EStack = {
      apiUrl,
      webUrl,
      org: { slug: main.org.slug, name: main.org.name },
      member: { email: main.owner.email, password: main.owner.password },
      agent: { name: main.agent.name, apiKey: main.agent.apiKey },
      otherOrg: { slug: other.org.slug },
      mailDir,
      slack: { url: slack.url, botToken: slack.botToken, signingSecret: slack.signingSecret },
      console: { dir: WEB_DIR, logDir: workDir, env: { ...serviceEnv, ...webEnv } },
      oidc: { issuer: oidc.issuer, name: "Test IdP", domain: oidc.domain, account: oidc.account },
    };
    process.env[STACK_ENV] = JSON.stringify(stack);
    return teardown;
  } catch (error) {
    await teardown();
    throw error;
  }
}
