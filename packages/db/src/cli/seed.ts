import { randomToken } from "@gatehouse/core";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { disconnectDb } from "../infra/client";
import { closeRateLimiter } from "../infra/rate-limiter";
import { closeSignals } from "../infra/signals";
import { dbEnv, type DbEnv } from "../infra/env";
import { seedDemo, type DevJson } from "../seed";

/** `npm run db:seed`: seeds the demo org once and writes $GATEHOUSE_HOME/dev.json. Idempotent. */
let env: DbEnv;
try {
  env = dbEnv();
} catch (error) {
  console.error(`[seed] ${(error as Error).message}`);
  process.exit(1);
}
const home = resolve(env.GATEHOUSE_HOME);
const file = join(home, "dev.json");
const previous: DevJson | null = existsSync(file) ? (JSON.parse(await readFile(file, "utf8")) as DevJson) : null;
try {
  const result = await seedDemo({
    previous,
    apiUrl: `http://localhost:${env.API_PORT}`,
    webUrl: `http://localhost:${env.WEB_PORT}`,
    newPassword: () => randomToken(20),
  });
  await mkdir(home, { recursive: true });
  await writeFile(file, `${JSON.stringify(result.dev, null, 2)}\n`, { mode: 0o600 });
  console.log(`[seed] ${result.summary}; wrote ${file}`);
} catch (error) {
  console.error(`[seed] failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  // Publishing the starter policies opened Redis connections; close everything so the process exits.
  await Promise.all([disconnectDb(), closeSignals(), closeRateLimiter()]);
}
