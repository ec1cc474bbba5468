import { z } from "zod";

// The one place in the console that reads process.env. Validation runs on first use, not at
// import, so `next build` works without a database or secret; a missing variable fails the first
// request loudly instead of shipping a half-configured console.
const schema = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  // Signs and encrypts the session JWT (next-auth). At least 32 characters.
  AUTH_SECRET: z.string().min(32, "AUTH_SECRET must be at least 32 characters"),
  // Public base URL of the console; only needed behind a proxy that does not forward the host.
  AUTH_URL: z.url().optional(),
  // Trust the Host / X-Forwarded-Host header (set by the launcher and behind a trusted proxy).
  AUTH_TRUST_HOST: z
    .enum(["true", "false", "1", "0"])
    .optional()
    .transform((v) => v === "true" || v === "1"),
  // How many proxies in front of the console append to X-Forwarded-For (sign-in limits per client
  // address, src/server/client-address.ts). 0: none; the address is the one Next.js records from the socket.
  AUTH_TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  // Base URL of the agent API (apps/api), shown to operators so they can point the SDK at it.
  API_URL: z.url().optional(),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
});

export type Env = z.infer<typeof schema>;

let cached: Env | undefined;

export function env(): Env {
  if (cached) return cached;
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`).join("\n");
    throw new Error(`Invalid environment for @gatehouse/web:\n${problems}`);
  }
  cached = parsed.data;
  return cached;
}
