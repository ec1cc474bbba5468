-- The W3C traceparent of the decision that opened an approval (OpenTelemetry on, docs/telemetry.md): the approval's
-- wait is exported as a span of that trace when it ends. Nullable, no default: adding it rewrites no row.
ALTER TABLE "approvals" ADD COLUMN "trace_context" TEXT;
