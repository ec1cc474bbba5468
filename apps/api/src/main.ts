import {
  closeRateLimiter,
  closeSignals,
  disconnectDb,
  isLoopbackListen,
  metricsRegistry,
  observeProcess,
  serviceEnv,
  startMetricsServer,
  startTelemetry,
  telemetryConfig,
  type MetricsServer,
} from "@gatehouse/db";
import { apiEnv, type ApiEnv } from "./env";
import { buildServer } from "./server";

let env: ApiEnv;
try {
  env = apiEnv();
  serviceEnv();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
// OpenTelemetry, when the OTEL_* variables turn it on (docs/telemetry.md); off by default.
const telemetry = startTelemetry({ service: "gatehouse-api" });
const app = await buildServer({
  logLevel: env.LOG_LEVEL,
  trustedProxies: env.trustedProxies,
  limits: {
    keyFailures: { limit: env.API_KEY_FAILURE_LIMIT, windowSeconds: env.API_KEY_FAILURE_WINDOW_SECONDS },
    streamsPerKey: env.API_MAX_STREAMS_PER_KEY,
    streamsPerOrg: env.API_MAX_STREAMS_PER_ORG,
    waitsPerKey: env.API_MAX_WAITS_PER_KEY,
  },
});

let metrics: MetricsServer | null = null;

const SHUTDOWN_GRACE_MS = 10_000;
let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, "shutting down");
  // Parked waits are answered at once and requests finish; anything still open after the grace
  // period (a stuck client, a database that went away) must not keep the process alive.
  setTimeout(() => {
    app.log.error({ signal }, `shutdown took longer than ${SHUTDOWN_GRACE_MS} ms; exiting anyway`);
    process.exit(1);
  }, SHUTDOWN_GRACE_MS).unref();
  await app.close();
  await metrics?.close();
  await telemetry?.shutdown();
  await disconnectDb();
  await closeSignals();
  await closeRateLimiter();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));

await app.listen({ port: env.API_PORT, host: env.API_HOST });
// Prometheus metrics (docs/metrics.md) on a port of their own, never the agents' one: only with API_METRICS_PORT.
if (env.metrics.port !== undefined) {
  observeProcess("api");
  const { port, host, token } = env.metrics;
  metrics = await startMetricsServer({ registry: metricsRegistry("api"), port, host, token });
  const open = token === undefined && !isLoopbackListen(host);
  app.log.info({ url: metrics.url, token: token !== undefined }, open ? "metrics on; no METRICS_TOKEN: anyone who reaches this port may read them" : "metrics on");
}
if (telemetry) app.log.info({ traces: telemetry.config.traces, metrics: telemetry.config.metrics, notes: telemetry.config.notes }, "OpenTelemetry on");
else if (telemetryConfig().notes.length > 0) app.log.warn({ notes: telemetryConfig().notes }, "OpenTelemetry stays off: its variables ask for what this build cannot do");
