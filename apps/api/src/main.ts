import { closeRateLimiter, closeSignals, disconnectDb } from "@gatehouse/db";
import { apiEnv } from "./env";
import { buildServer } from "./server";

const env = apiEnv();
const app = await buildServer({ logLevel: env.LOG_LEVEL });

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, "shutting down");
  await app.close();
  await disconnectDb();
  await closeSignals();
  await closeRateLimiter();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));

await app.listen({ port: env.API_PORT, host: env.API_HOST });
