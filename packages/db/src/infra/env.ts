import { z } from "zod";
import { flag, httpUrl, port, readEnvironment, startedForDevelopment, unsetWhenBlank, wholeNumber } from "./env-fields";
import { isMasterKey } from "./secrets";

/** The only place packages/db reads process.env. */
const schema = z.object({
  /** Required: no process guesses which database to write to (tests and `npm start` set it). */
  DATABASE_URL: z
    .string({ error: "is not set; point it at PostgreSQL (postgresql://user:password@host:5432/db), or run `npm start`, which runs an embedded database" })
    .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL"),
  /**
   * The owner role (docs/deploying.md, "Two database roles"; docs/adr/0044-owner-and-runtime-database-roles.md): `npm run
   * db:migrate` and the month drops (the worker's job audit-drop-months) run as it, straight to PostgreSQL; the role of
   * DATABASE_URL then gets only what the product does (no ALTER, DROP, TRUNCATE or trigger change of the audit tables, no
   * DELETE of their rows). Unset: DATABASE_URL's role does both — the audit guards then stop mistakes, not someone who
   * holds that role — and with NODE_ENV=production `npm run db:migrate` refuses (set it to DATABASE_URL to choose one role).
   */
  DATABASE_OWNER_URL: unsetWhenBlank(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL")
      .optional(),
  ),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// URL")
    .optional(),
  DATABASE_POOL_SIZE: wholeNumber({ min: 1, max: 200, default: 10 }),
  /**
   * How DATABASE_URL reaches PostgreSQL (docs/deploying.md): `session` — directly, or through a pooler in
   * session mode; each connection sends the statement and idle timeouts as start-up parameters.
   * `transaction` — through PgBouncer (or another pooler) in transaction mode, which refuses those
   * parameters with its stock settings: none is sent, the timeouts are the database's own defaults
   * (`npm run db:migrate`, run directly with this setting, sets them), and the health checks report the database down
   * while they are not in force.
   */
  DATABASE_POOL_MODE: z.enum(["session", "transaction"], { error: "must be session (direct, the default) or transaction (PgBouncer in transaction mode)" }).default("session"),
  /**
   * A streaming replica (a hot standby, or a pooler or HAProxy port that reaches one) for the console's
   * page reads (docs/deploying.md "Reads from a replica"): used only while its measured lag is within
   * DATABASE_REPLICA_MAX_LAG_MS and it has replayed the member's own last write; otherwise reads go to
   * DATABASE_URL. Unset: every read goes to DATABASE_URL.
   */
  DATABASE_REPLICA_URL: unsetWhenBlank(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL")
      .optional(),
  ),
  /** The most a replica may be behind (ms, measured: see infra/replica.ts) and still serve reads; at most 300 s (the console's write cookie lasts 600 s). */
  DATABASE_REPLICA_MAX_LAG_MS: wholeNumber({ min: 100, max: 300_000, default: 2_000 }),
  /** How often the replica's lag is measured, in ms (two one-row queries: one to each server). */
  DATABASE_REPLICA_CHECK_MS: wholeNumber({ min: 50, max: 60_000, default: 250 }),
  /** Longest wait for a new connection (or a free one from a full pool) before the call fails as unavailable (503). */
  DATABASE_CONNECT_TIMEOUT_MS: wholeNumber({ min: 100, max: 120_000, default: 5_000 }),
  /** PostgreSQL's statement_timeout for the pool's sessions: a statement running longer is cancelled (503). 0 = none. */
  DATABASE_STATEMENT_TIMEOUT_MS: wholeNumber({ min: 0, max: 3_600_000, default: 15_000 }),
  /**
   * The client's own bound on a query's answer, for a database that went silent (stopped, partitioned)
   * and cannot cancel anything itself; longer than the statement timeout. 0 = none.
   */
  DATABASE_QUERY_TIMEOUT_MS: wholeNumber({ min: 0, max: 3_600_000, default: 20_000 }),
  /** Longest wait for one Redis command (a frozen Redis): the rate counter then fails closed (503). */
  REDIS_COMMAND_TIMEOUT_MS: wholeNumber({ min: 50, max: 60_000, default: 500 }),
  /** Worker threads for CPU work off the event loop (parsing and testing policy sets). Default: one per core beyond the first, at least two (an org runs one job at a time, so one org never holds every worker). */
  WORK_POOL_SIZE: wholeNumber({ min: 1, max: 64 }),
  /** A job's time limit on a worker: past it the worker is replaced and the caller gets a 400 naming the input. */
  WORK_TIMEOUT_MS: wholeNumber({ min: 100, max: 600_000, default: 10_000 }),
  /** A worker's heap limit in MB: a job that needs more ends its worker (a 400 naming the input), never the process. */
  WORK_MEMORY_MB: wholeNumber({ min: 16, max: 16_384, default: 256 }),
  /** Jobs one org may have waiting for a worker; one more is a 429. */
  WORK_QUEUE_PER_ORG: wholeNumber({ min: 1, max: 1_000, default: 4 }),
  GATEHOUSE_HOME: z.string().min(1).default(".gatehouse"),
  API_PORT: port({ default: 4000 }),
  WEB_PORT: port({ default: 3000 }),
  /**
   * The console's public origin (https://gatehouse.example.com): every link Gatehouse mails (verification,
   * password reset, invitation) starts with it, never with what a request's headers say. Required in
   * production; elsewhere http://localhost:$WEB_PORT.
   */
  GATEHOUSE_CONSOLE_URL: unsetWhenBlank(
    z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL, e.g. https://gatehouse.example.com" })
      .refine((url) => /^[a-z]+:\/\/[^/?#]+\/?$/i.test(url), "must be an origin only (scheme, host and port), without a path, query or fragment")
      .transform((url) => new URL(url).origin)
      .optional(),
  ),
  /** Set to 1 by `npm start` (scripts/start.ts) only: the instance was started for development on this machine. */
  GATEHOUSE_DEVELOPMENT: startedForDevelopment(),
  /** Encrypts org signing keys (32 bytes, base64). Unset: read or created at $GATEHOUSE_HOME/master.key. */
  GATEHOUSE_MASTER_KEY: z.string().refine(isMasterKey, "must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)").optional(),
  /**
   * Outgoing mail (verification and password-reset links, invitations): smtp:// or smtps:// URL with
   * credentials if any (smtp://user:pass@mail.example.com:587).
   */
  SMTP_URL: unsetWhenBlank(
    z
      .string()
      .regex(/^smtps?:\/\/[^\s]+$/, "must be an smtp:// or smtps:// URL")
      .optional(),
  ),
  /** How mail leaves (mailTransportOf): smtp, off, or outbox (development only). Unset: chosen from SMTP_URL and GATEHOUSE_DEVELOPMENT. */
  MAIL_TRANSPORT: unsetWhenBlank(z.enum(["smtp", "off", "outbox"], { error: "must be smtp, off or outbox" }).optional()),
  /** The From header of outgoing mail. */
  MAIL_FROM: z.string().min(3).max(320).default("Gatehouse <no-reply@localhost>"),
  /**
   * Self-service sign-up: open (anyone may create an account), invite (only through an invitation's accept
   * link), off. Required in production (deploymentProblems); unset elsewhere: open.
   */
  GATEHOUSE_SIGNUP: unsetWhenBlank(z.enum(["open", "invite", "off"], { error: "must be open, invite or off" }).optional()),
  /**
   * Set to 1 to let webhook endpoints reach private, loopback and link-local addresses (a receiver on
   * this machine or the private network). Unset: refused, also after DNS resolution (docs/webhooks.md).
   * `npm start` and the tests set it; a hosted instance must not.
   */
  GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE: flag({ digitsOnly: true, message: "must be 1 (webhooks may reach private addresses) or 0" }),
  /**
   * The API's public origin (https://api.example.com), as MCP clients reach it: the resource its MCP gateways name in
   * their protected resource metadata (RFC 9728) and 401 challenges. Unset: taken from each request's Host, which a
   * deployment behind a proxy should not rely on (docs/integrations/mcp.md).
   */
  GATEHOUSE_API_URL: httpUrl(),
  /** The longest an MCP gateway waits for an upstream server's answer to a tool call (docs/integrations/mcp.md), in ms. */
  GATEHOUSE_MCP_CALL_TIMEOUT_MS: wholeNumber({ min: 100, max: 600_000, default: 60_000 }),
  /**
   * Where Slack's Web API answers (https://slack.com/api/). Only for a stand-in in tests and offline
   * development: a connected Slack app's token is sent there.
   */
  GATEHOUSE_SLACK_API_URL: httpUrl(),
  NODE_ENV: z.string().optional(),
});

export type DbEnv = z.output<typeof schema>;

/** Validates an environment (dbEnv() passes process.env); every problem is named in one error. */
export function parseDbEnv(source: Readonly<Record<string, string | undefined>>): DbEnv {
  return readEnvironment("@gatehouse/db", schema, source);
}

let cached: DbEnv | undefined;

/**
 * GATEHOUSE_SLACK_API_URL as it is now (read at each use, unlike dbEnv(): a test points it at the stand-in
 * it starts); validated like the rest.
 */
export function slackApiUrl(): string | undefined {
  return parseDbEnv({ ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? "postgresql://unused" }).GATEHOUSE_SLACK_API_URL;
}

/**
 * DATABASE_URL as the environment says it now, not as `dbEnv()` first read it and keeps it (the test factories: a test
 * may point this process at a database of its own before its first query).
 */
export function databaseUrlNow(): string | undefined {
  return process.env.DATABASE_URL;
}

export function dbEnv(): DbEnv {
  cached ??= parseDbEnv(process.env);
  return cached;
}

const isProduction = (env: DbEnv) => env.NODE_ENV === "production";

/**
 * Where `npm run db:migrate` connects (`url`, the owner) and whose role it grants the runtime privileges to
 * (`runtimeUrl`, DATABASE_URL; absent with one role for both). In production (unless started for development: `npm start`,
 * whose embedded database has one role) one role must be chosen explicitly.
 */
export function migrationTarget(env: DbEnv): { url: string; runtimeUrl?: string } | { problem: string } {
  if (env.DATABASE_OWNER_URL !== undefined) return { url: env.DATABASE_OWNER_URL, runtimeUrl: env.DATABASE_URL };
  if (isProduction(env) && !env.GATEHOUSE_DEVELOPMENT) {
    return {
      problem:
        "DATABASE_OWNER_URL is not set, and NODE_ENV is production: set it to the role that owns the schema (it migrates and drops old months), " +
        "and DATABASE_URL to a role of its own for the API, the console and the worker, which then cannot alter, truncate or delete from the audit tables " +
        "(docs/deploying.md, Two database roles); or set DATABASE_OWNER_URL to DATABASE_URL to run with one role, whose holder can then drop the audit log's guards",
    };
  }
  return { url: env.DATABASE_URL };
}

/** The console's public origin, which every mailed link starts with (GATEHOUSE_CONSOLE_URL; see deploymentProblems). */
export function consoleOrigin(env: DbEnv = dbEnv()): string {
  if (env.GATEHOUSE_CONSOLE_URL) return env.GATEHOUSE_CONSOLE_URL;
  if (isProduction(env)) throw new Error(CONSOLE_URL_MISSING);
  return `http://localhost:${env.WEB_PORT}`;
}

const CONSOLE_URL_MISSING =
  "GATEHOUSE_CONSOLE_URL is not set, and NODE_ENV is production: set it to the address people open the console at " +
  "(e.g. https://gatehouse.example.com); every link Gatehouse mails starts with it, never with a request's Host header";

/**
 * How mail leaves this process:
 * - smtp: to SMTP_URL (the default when SMTP_URL is set);
 * - outbox: into the development outbox the console shows at /dev/outbox, with one log line per mail
 *   carrying its link. Anyone who can open the console can read it, so only an instance started for
 *   development (GATEHOUSE_DEVELOPMENT=1, which `npm start` sets) uses it (its default there);
 * - off: nothing is sent; each mail is logged as one line naming its subject, never its recipient, link
 *   or token. Chosen explicitly (MAIL_TRANSPORT=off), or where nothing is set outside production.
 * In production with neither SMTP_URL nor MAIL_TRANSPORT the answer is a problem: the process refuses to start.
 */
export function mailTransportOf(env: DbEnv): { transport: MailTransport } | { problem: string } {
  const chosen = env.MAIL_TRANSPORT;
  if (chosen === "smtp" && !env.SMTP_URL)
    return { problem: "MAIL_TRANSPORT is smtp but SMTP_URL is not set: set SMTP_URL to your mail server (smtp://user:password@mail.example.com:587)" };
  if (chosen === "off" && env.SMTP_URL) return { problem: "MAIL_TRANSPORT is off but SMTP_URL is set: unset one of them" };
  if (chosen === "outbox" && !env.GATEHOUSE_DEVELOPMENT) {
    return {
      problem:
        "MAIL_TRANSPORT is outbox, which shows every mail (and its links) to anyone who opens the console: it is only for an instance started for development with `npm start`",
    };
  }
  if (chosen) return { transport: chosen };
  if (env.SMTP_URL) return { transport: "smtp" };
  if (env.GATEHOUSE_DEVELOPMENT) return { transport: "outbox" };
  if (isProduction(env)) {
    return {
      problem:
        "SMTP_URL is not set, and NODE_ENV is production: set SMTP_URL to your mail server (smtp://user:password@mail.example.com:587), " +
        "or MAIL_TRANSPORT=off to send no mail at all (no verification, password-reset or invitation mail; invitation links are shown to the inviter only)",
    };
  }
  return { transport: "off" };
}

export type MailTransport = "smtp" | "outbox" | "off";

/**
 * What stops a process that sends mail or builds links (the API, the worker, the console) before it
 * starts, each named: in production GATEHOUSE_CONSOLE_URL, a sign-up mode chosen explicitly (unless
 * started for development) and a mail transport that neither drops mail silently nor shows it to
 * strangers; everywhere, a mail setting that contradicts itself.
 */
export function deploymentProblems(env: DbEnv): string[] {
  const problems: string[] = [];
  if (isProduction(env) && !env.GATEHOUSE_CONSOLE_URL) problems.push(CONSOLE_URL_MISSING);
  if (isProduction(env) && !env.GATEHOUSE_DEVELOPMENT && !env.GATEHOUSE_SIGNUP) {
    problems.push(
      "GATEHOUSE_SIGNUP is not set, and NODE_ENV is production: choose who may create accounts: invite (through an invitation only), off (operators create them) or open (anyone)",
    );
  }
  const mail = mailTransportOf(env);
  if ("problem" in mail) problems.push(mail.problem);
  return problems;
}

/** What the process says at start-up about a setting an operator should know is in force (mail that is not sent). */
export function deploymentNotices(env: DbEnv): string[] {
  const mail = mailTransportOf(env);
  if (!("transport" in mail) || mail.transport !== "off") return [];
  return [
    "[mail] no mail is sent (MAIL_TRANSPORT=off, or no SMTP_URL outside production): verification, password-reset and invitation mail is dropped, " +
      "and each dropped mail is logged as one line with its subject only. Set SMTP_URL to send mail.",
  ];
}

/**
 * What a long-running service (the API, the worker, the console) checks before it starts, so a misconfiguration
 * stops it with one message instead of failing its first request: the settings above, and in
 * production an explicit master key. Generating one into GATEHOUSE_HOME there would give each
 * container its own key, unable to read the signing keys the others encrypted.
 */
export function serviceEnv(): DbEnv {
  const env = dbEnv();
  const problems = deploymentProblems(env);
  if (isProduction(env) && env.GATEHOUSE_MASTER_KEY === undefined) {
    problems.unshift(
      "GATEHOUSE_MASTER_KEY is not set, and NODE_ENV is production: set it to the key that encrypts your orgs' signing keys " +
        "(a new installation: `openssl rand -base64 32`, kept safe and out of the database's backups); it is generated only for development",
    );
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  for (const notice of deploymentNotices(env)) console.warn(notice);
  return env;
}

/** The standard OpenTelemetry variables (`OTEL_*`) as set for this process: what infra/telemetry.ts is configured by. */
export function otelEnv(): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith("OTEL_")));
}
