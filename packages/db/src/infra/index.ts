export { db, createDb, disconnectDb, pingDatabase, type Db, type Tx } from "./client";
export { dbEnv, serviceEnv, parseDbEnv, consoleOrigin, deploymentProblems, mailTransportOf, type DbEnv, type MailTransport } from "./env";
export { signals, createSignalBus, closeSignals, publishAfterCommit, type Signal, type SignalBus } from "./signals";
export { closeRateLimiter, pruneRateEvents } from "./rate-limiter";
export { asUnavailable, describeConnectionFailure, isConnectionFailure } from "./db-errors";
export { errorReplyOf, errorReplyHeaders, INTERNAL_ERROR_MESSAGE, type ClientRefusal, type ErrorEnvelope, type ErrorReply } from "./error-reply";
export { withTimeout } from "./timeout";
export { FairShare, fairShare, fairShareLimits, orgTurns, type FairShareLimits, type FairShareStats } from "./fair-share";
export { closeWorkPool, workPool, workTask, WorkCrashed, WorkFailed, WorkPool, WorkQueueFull, WorkTimeout, type WorkPoolOptions, type WorkTask } from "./work-pool";
export { readDb, replicaReads, replicaStatus, withReplicaReads, writePosition, walPosition, ReplicaReads, closeReplicaReads, type ReplicaStatus } from "./replica";
export {
  endSpan,
  meters,
  observePendingApprovals,
  parentOf,
  startSpan,
  startTelemetry,
  telemetryConfig,
  telemetryRunning,
  traceparentOf,
  tracing,
  type Telemetry,
  type TelemetryConfig,
} from "./telemetry";
export {
  cachedRead,
  DECISION_BUCKETS,
  METRICS_PROCESSES,
  metricsRegistry,
  metricsServed,
  provideMetricSources,
  recordConsoleRequest,
  recordDecisionError,
  recordDecisionMetric,
  recordHttpRequest,
  recordSpendMetric,
  type MetricSources,
  type MetricsProcess,
  type Observed,
} from "./metrics";
export { startMetricsServer, type MetricsServer, type MetricsServerOptions, type Probe } from "./metrics-server";
export { isLoopbackListen, metricsSettings, type MetricsSettings } from "./metrics-settings";
