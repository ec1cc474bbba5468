import { z } from "zod";
import { isMasterKey } from "./secrets";

/** The only place packages/db reads process.env. */
const schema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL").default("postgresql://postgres@127.0.0.1:5432/test"),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "must be a redis:// URL").optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  GATEHOUSE_HOME: z.string().min(1).default(".gatehouse"),
  API_PORT: z.coerce.number().int().min(1).max(65535).default(4000),
  WEB_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** Encrypts org signing keys (32 bytes, base64). Unset: read or created at $GATEHOUSE_HOME/master.key. */
  GATEHOUSE_MASTER_KEY: z
    .string()
    .refine(isMasterKey, "must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)")
    .optional(),
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
