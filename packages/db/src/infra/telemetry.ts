import { randomUUID } from "node:crypto";
import { metrics, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { otelEnv } from "./env";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanExporter,
} from "@opentelemetry/sdk-trace";

/**
 * OpenTelemetry (docs/telemetry.md): traces and metrics through the official OpenTelemetry JS packages, configured by
 * the standard `OTEL_*` variables and off unless they turn it on. Observation: it fails open — an exporter that
 * cannot reach its collector drops what it holds, and nothing here ever fails or slows a decision beyond recording.
 *
 * The code that records (decisions, approvals, the audit append, spend) uses only `@opentelemetry/api`, whose calls
 * are no-ops until `startTelemetry` registers providers; a process (the API, the worker) starts it once.
 */

/** The `OTEL_*` variables (env.ts reads them). */
type OtelEnv = Record<string, string | undefined>;

/** Why the variables do not turn telemetry on, or what they turn on. */
export interface TelemetryConfig {
  traces: boolean;
  metrics: boolean;
  /** Variables set to something this process cannot honour, each with what it does instead. */
  notes: string[];
}

const truthy = (value: string | undefined) => value !== undefined && value.trim() !== "";

/**
 * What the standard variables ask for. Off unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or a signal's own
 * `OTEL_EXPORTER_OTLP_{TRACES,METRICS}_ENDPOINT`) is set or `OTEL_TRACES_EXPORTER` / `OTEL_METRICS_EXPORTER` names
 * `otlp`; `OTEL_SDK_DISABLED=true` and an exporter of `none` turn a signal off. Only OTLP over HTTP with JSON is
 * exported (`OTEL_EXPORTER_OTLP_PROTOCOL` `http/json`, the default here).
 */
export function telemetryConfig(env: OtelEnv = otelEnv()): TelemetryConfig {
  const notes: string[] = [];
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return { traces: false, metrics: false, notes };
  const base = truthy(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const wanted = (signal: "TRACES" | "METRICS") => {
    const exporter = env[`OTEL_${signal}_EXPORTER`]?.trim().toLowerCase();
    if (exporter === "none") return false;
    if (exporter !== undefined && exporter !== "" && exporter !== "otlp") {
      notes.push(`OTEL_${signal}_EXPORTER=${exporter}: only otlp (or none) is supported; ${signal.toLowerCase()} are not exported`);
      return false;
    }
    return base || truthy(env[`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`]) || exporter === "otlp";
  };
  const config = { traces: wanted("TRACES"), metrics: wanted("METRICS"), notes };
  for (const name of ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"]) {
    const protocol = env[name]?.trim();
    if (protocol && protocol !== "http/json") notes.push(`${name}=${protocol}: exported as http/json (the one protocol of this build)`);
  }
  return config;
}

/** The sampler `OTEL_TRACES_SAMPLER` (and `OTEL_TRACES_SAMPLER_ARG`) name; parent-based always-on by default, as the specification says. */
export function samplerOf(env: OtelEnv = otelEnv()): Sampler {
  const ratio = () => {
    const arg = Number(env.OTEL_TRACES_SAMPLER_ARG);
    return Number.isFinite(arg) && arg >= 0 && arg <= 1 ? arg : 1;
  };
  switch (env.OTEL_TRACES_SAMPLER?.trim().toLowerCase()) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(ratio());
    case "parentbased_always_off":
      return parentBased(new AlwaysOffSampler());
    case "parentbased_traceidratio":
      return parentBased(new TraceIdRatioBasedSampler(ratio()));
    default:
      return parentBased(new AlwaysOnSampler());
  }
}

/**
 * Parent-based for the process's own spans (an approval's wait follows its decision), but a caller's remote parent
 * does not decide: its sampled flag is the caller's to set, so the root sampler decides for it too (a caller cannot
 * force its decisions into the export, nor hide them from it).
 */
function parentBased(root: Sampler): Sampler {
  return new ParentBasedSampler({ root, remoteParentSampled: root, remoteParentNotSampled: root });
}

const positive = (value: string | undefined, fallback: number) => {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

/** `key=value,key=value` with percent-encoded values (OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS); a malformed pair is left out. */
function keyValues(text: string | undefined): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const item of (text ?? "").split(",")) {
    const at = item.indexOf("=");
    if (at <= 0) continue;
    try {
      pairs[decodeURIComponent(item.slice(0, at).trim())] = decodeURIComponent(item.slice(at + 1).trim());
    } catch {
      // A value that is not valid percent-encoding is left out.
    }
  }
  return pairs;
}

/**
 * A signal's exporter options from the variables (the signal's own over the general ones, as the specification
 * orders them): its URL (`OTEL_EXPORTER_OTLP_{SIGNAL}_ENDPOINT` as given, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`
 * or `/v1/metrics`), headers and timeout. What is not set here the exporter reads itself (compression, certificates).
 */
function exporterOptions(env: OtelEnv, signal: "TRACES" | "METRICS"): { url?: string; headers?: Record<string, string>; timeoutMillis?: number } {
  const own = env[`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`]?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const url = own || (base ? `${base.replace(/\/+$/, "")}/v1/${signal.toLowerCase()}` : undefined);
  const headers = { ...keyValues(env.OTEL_EXPORTER_OTLP_HEADERS), ...keyValues(env[`OTEL_EXPORTER_OTLP_${signal}_HEADERS`]) };
  const timeout = Number(env[`OTEL_EXPORTER_OTLP_${signal}_TIMEOUT`] ?? env.OTEL_EXPORTER_OTLP_TIMEOUT);
  return {
    ...(url ? { url } : {}),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...(Number.isFinite(timeout) && timeout > 0 ? { timeoutMillis: timeout } : {}),
  };
}

export interface Telemetry {
  config: TelemetryConfig;
  /** Exports what is held, then stops (a process's close). */
  shutdown(): Promise<void>;
  /** Exports what is held now (tests, and a process about to stop). */
  flush(): Promise<void>;
}

let running: Telemetry | null = null;

/**
 * Starts OpenTelemetry for this process when the variables ask for it (telemetryConfig), registering the tracer and
 * meter providers globally: a resource from `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` (the service name
 * defaulting to `service`), OTLP/HTTP exporters that read their own `OTEL_EXPORTER_OTLP_*` variables (endpoint,
 * headers, timeout, compression), a batch span processor (`OTEL_BSP_SCHEDULE_DELAY`, `OTEL_BSP_MAX_QUEUE_SIZE`,
 * `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`), the sampler of `OTEL_TRACES_SAMPLER`, and a periodic metric reader
 * (`OTEL_METRIC_EXPORT_INTERVAL`, 60 s). Null when they do not; a second start answers the first.
 */
export function startTelemetry({ service, env = otelEnv() }: { service: string; env?: OtelEnv }): Telemetry | null {
  if (running) return running;
  const config = telemetryConfig(env);
  if (!config.traces && !config.metrics) return null;
  // service.name: OTEL_SERVICE_NAME, else OTEL_RESOURCE_ATTRIBUTES', else the process's own; each process its own instance id.
  const resource = resourceFromAttributes({
    "service.name": service,
    "service.instance.id": randomUUID(),
    ...keyValues(env.OTEL_RESOURCE_ATTRIBUTES),
    ...(env.OTEL_SERVICE_NAME?.trim() ? { "service.name": env.OTEL_SERVICE_NAME.trim() } : {}),
  });
  let tracerProvider: TracerProvider | null = null;
  if (config.traces) {
    const exporter: SpanExporter = new OTLPTraceExporter(exporterOptions(env, "TRACES"));
    tracerProvider = new TracerProvider({
      resource,
      sampler: samplerOf(env),
      spanProcessors: [
        new BatchSpanProcessor({
          exporter,
          scheduledDelayMillis: positive(env.OTEL_BSP_SCHEDULE_DELAY, 5_000),
          maxQueueSize: positive(env.OTEL_BSP_MAX_QUEUE_SIZE, 2_048),
          maxExportBatchSize: positive(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, 512),
        }),
      ],
    });
    trace.setGlobalTracerProvider(tracerProvider);
  }
  let meterProvider: MeterProvider | null = null;
  if (config.metrics) {
    meterProvider = new MeterProvider({
      resource,
      readers: [
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter(exporterOptions(env, "METRICS")),
          exportIntervalMillis: positive(env.OTEL_METRIC_EXPORT_INTERVAL, 60_000),
        }),
      ],
    });
    metrics.setGlobalMeterProvider(meterProvider);
  }
  instruments = null;
  const started: Telemetry = {
    config,
    async flush() {
      await Promise.all([tracerProvider?.forceFlush(), meterProvider?.forceFlush()]);
    },
    async shutdown() {
      if (running === started) running = null;
      // A collector that is down must not use up the process's stop: what is left after 2 s is dropped.
      await Promise.race([Promise.allSettled([tracerProvider?.shutdown(), meterProvider?.shutdown()]), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      trace.disable();
      metrics.disable();
      instruments = null;
    },
  };
  running = started;
  return started;
}

// ── What is recorded ───────────────────────────────────────────────────────────────────────────────

const TRACER = "gatehouse";
/** W3C trace context, read from an incoming request's headers (no global propagator needed). */
const traceContext = new W3CTraceContextPropagator();
const headerGetter = {
  get: (carrier: Record<string, string | string[] | undefined>, key: string) => carrier[key],
  keys: (carrier: Record<string, string | string[] | undefined>) => Object.keys(carrier),
};

/** The parent a request names in its `traceparent` (and `tracestate`) headers; the root context when none, or one that does not parse. */
export function parentOf(headers: Record<string, string | string[] | undefined>): Context {
  return traceContext.extract(ROOT_CONTEXT, headers, headerGetter);
}

/** The `traceparent` of a context's span, for storing with what outlives the request (an approval's wait). */
export function traceparentOf(context: Context): string | null {
  const carrier: Record<string, string> = {};
  traceContext.inject(context, carrier, { set: (c, key, value) => void (c[key] = value) });
  return carrier.traceparent ?? null;
}

/** Whether this process started telemetry (traces, metrics or both). */
export function telemetryRunning(): boolean {
  return running !== null;
}

/** Whether spans are recorded at all (a process that never started telemetry skips building their attributes). */
export function tracing(): boolean {
  return running?.config.traces === true;
}

/** Starts a span of the decision path under `parent`; end it with `endSpan`. */
export function startSpan(name: string, parent: Context, attributes: Attributes, startTime?: Date, kind: SpanKind = SpanKind.SERVER): Span {
  return trace.getTracer(TRACER).startSpan(name, { kind, attributes, ...(startTime ? { startTime } : {}) }, parent);
}

/** Ends a span with the attributes known at its end, or as failed with the error's code (never its message: it may echo input). */
export function endSpan(span: Span, attributes: Attributes, error?: unknown, endTime?: Date): void {
  span.setAttributes(attributes);
  if (error !== undefined) {
    const code = typeof error === "object" && error !== null && "code" in error ? String((error as { code: unknown }).code) : "error";
    span.setAttribute("error.type", code);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end(endTime);
}

interface Instruments {
  decisions: ReturnType<ReturnType<typeof metrics.getMeter>["createCounter"]>;
  decisionDuration: ReturnType<ReturnType<typeof metrics.getMeter>["createHistogram"]>;
  approvalDuration: ReturnType<ReturnType<typeof metrics.getMeter>["createHistogram"]>;
  appendDuration: ReturnType<ReturnType<typeof metrics.getMeter>["createHistogram"]>;
  spendTokens: ReturnType<ReturnType<typeof metrics.getMeter>["createCounter"]>;
  spendUsd: ReturnType<ReturnType<typeof metrics.getMeter>["createCounter"]>;
}
let instruments: Instruments | null = null;

/** Buckets for what takes milliseconds (a decision, an append), in seconds. */
const FAST = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The metrics (docs/telemetry.md, Metrics), made once per provider. */
export function meters(): Instruments {
  if (instruments) return instruments;
  const meter = metrics.getMeter(TRACER);
  instruments = {
    decisions: meter.createCounter("gatehouse.decisions", { description: "Decisions, by kind (execute, check), effect and reason.", unit: "{decision}" }),
    decisionDuration: meter.createHistogram("gatehouse.decision.duration", {
      description: "How long a decision took to answer.",
      unit: "s",
      advice: { explicitBucketBoundaries: FAST },
    }),
    approvalDuration: meter.createHistogram("gatehouse.approval.duration", {
      description: "From an approval's request to its end, by how it ended.",
      unit: "s",
      advice: { explicitBucketBoundaries: [1, 5, 15, 30, 60, 300, 900, 1_800, 3_600, 7_200, 14_400, 43_200, 86_400, 259_200] },
    }),
    appendDuration: meter.createHistogram("gatehouse.audit.append.duration", {
      description: "How long a group commit's append to an org's log took.",
      unit: "s",
      advice: { explicitBucketBoundaries: FAST },
    }),
    spendTokens: meter.createCounter("gatehouse.spend.tokens", { description: "Model tokens settled by reported outcomes.", unit: "{token}" }),
    spendUsd: meter.createCounter("gatehouse.spend.cost", { description: "Model spend settled by reported outcomes, where the model has a price.", unit: "{USD}" }),
  };
  return instruments;
}

/** Observes the number of pending approvals (the queue's depth) each time metrics are collected; `count` fails open. */
export function observePendingApprovals(count: () => Promise<number>): void {
  const gauge = metrics.getMeter(TRACER).createObservableGauge("gatehouse.approvals.pending", { description: "Approvals waiting for a person, across orgs." });
  let last = 0;
  gauge.addCallback(async (result) => {
    try {
      last = await count();
    } catch {
      // Observation fails open: the last count stands.
    }
    result.observe(last);
  });
}
