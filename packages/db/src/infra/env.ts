import { z } from "zod";
import { isMasterKey } from "./secrets";

/** The only place packages/db reads process.env. */
const schema = z.object({
  /** Required: no process guesses which database to write to (tests and `npm start` set it). */
  DATABASE_URL: z
    .string({ error: "is not set; point it at PostgreSQL (postgresql://user:password@host:5432/db), or run `npm start`, which runs an embedded database" })
    .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL"),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// URL")
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Longest wait for a new connection (or a free one from a full pool) before the call fails as unavailable (503). */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
  /** PostgreSQL's statement_timeout for the pool's sessions: a statement running longer is cancelled (503). 0 = none. */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(15_000),
  /**
   * The client's own bound on a query's answer, for a database that went silent (stopped, partitioned)
   * and cannot cancel anything itself; longer than the statement timeout. 0 = none.
   */
  DATABASE_QUERY_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(20_000),
  /** Longest wait for one Redis command (a frozen Redis): the rate counter then fails closed (503). */
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(500),
  /** Worker threads for CPU work off the event loop (parsing and testing policy sets). Default: one per core beyond the first, at least one. */
  WORK_POOL_SIZE: z.coerce.number().int().min(1).max(64).optional(),
  /** A job's time limit on a worker: past it the worker is replaced and the caller gets a 400 naming the input. */
  WORK_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** A worker's heap limit in MB: a job that needs more ends its worker (a 400 naming the input), never the process. */
  WORK_MEMORY_MB: z.coerce.number().int().min(16).max(16_384).default(256),
  /** Jobs one org may have waiting for a worker; one more is a 429. */
  WORK_QUEUE_PER_ORG: z.coerce.number().int().min(1).max(1_000).default(4),
  GATEHOUSE_HOME: z.string().min(1).default(".gatehouse"),
  API_PORT: z.coerce.number().int().min(1).max(65535).default(4000),
  WEB_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** Where people open the console: links sent by email (an invitation's `/invite/<token>`) start with it. Default: http://localhost:$WEB_PORT. */
  GATEHOUSE_CONSOLE_URL: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL, e.g. https://gatehouse.example.com" })
    .transform((url) => url.replace(/\/+$/, ""))
    .optional(),
  /** Encrypts org signing keys (32 bytes, base64). Unset: read or created at $GATEHOUSE_HOME/master.key. */
  GATEHOUSE_MASTER_KEY: z.string().refine(isMasterKey, "must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)").optional(),
  /**
   * Outgoing mail (verification and password-reset links, invitations): smtp:// or smtps:// URL with
   * credentials if any (smtp://user:pass@mail.example.com:587). Unset: mail is written to the server
   * log and kept in the development outbox the console shows at /dev/outbox (development only).
   */
  SMTP_URL: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z
      .string()
      .regex(/^smtps?:\/\/[^\s]+$/, "must be an smtp:// or smtps:// URL")
      .optional(),
  ),
  /** The From header of outgoing mail. */
  MAIL_FROM: z.string().min(3).max(320).default("Gatehouse <no-reply@localhost>"),
  /** Self-service sign-up: open (anyone may create an account), invite (only through an invitation's accept link), off. */
  GATEHOUSE_SIGNUP: z.enum(["open", "invite", "off"]).default("open"),
  NODE_ENV: z.string().optional(),
});

export type DbEnv = z.output<typeof schema>;

let cached: DbEnv | undefined;

export function dbEnv(): DbEnv {
  if (cached) return cached;
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new Error(`Invalid environment for @gatehouse/db: ${problems}`);
  }
  cached = parsed.data;
  return cached;
}

/**
 * What a long-running service (the API, the worker) checks before it starts, so a misconfiguration
 * stops it with one message instead of failing its first request: the settings above, and in
 * production an explicit master key. Generating one into GATEHOUSE_HOME there would give each
 * container its own key, unable to read the signing keys the others encrypted.
 */
export function serviceEnv(): DbEnv {
  const env = dbEnv();
  if (env.NODE_ENV === "production" && env.GATEHOUSE_MASTER_KEY === undefined) {
    throw new Error(
      "GATEHOUSE_MASTER_KEY is not set, and NODE_ENV is production: set it to the key that encrypts your orgs' signing keys " +
        "(a new installation: `openssl rand -base64 32`, kept safe and out of the database's backups); it is generated only for development",
    );
  }
  return env;
}
