// @gatehouse/db/metrics: the metrics' instruments, registries and listener (infra/metrics.ts, infra/metrics-server.ts)
// without the rest of the package, for the console's own server (apps/web/server.ts), which must not load Prisma.
export { METRICS_PROCESSES, metricsRegistry, metricsServed, recordConsoleRequest, type MetricsProcess } from "./infra/metrics";
export { startMetricsServer, type MetricsServer, type MetricsServerOptions, type Probe } from "./infra/metrics-server";
export { isLoopbackListen, metricsSettings, type MetricsSettings } from "./infra/metrics-settings";
