/**
 * The one-time warning when a model call's spend is declared by hand, without a model-client wrapper
 * (docs/model-clients.md in the repository, "Calls that bypass the wrappers"). Observation: it never throws
 * and never changes a call. No Node builtin: `process` is read only when the runtime has one.
 */

/**
 * The integrations that wrap a model client (`@gatehouse/openai`, `@gatehouse/anthropic`, `@gatehouse/google-genai`,
 * `@gatehouse/mistral` and the Python wrappers send these names): core's catalogue's `model-wrapper` role, which a
 * test holds this set to (the SDK bundles no core module but the screen's).
 */
export const MODEL_WRAPPERS: ReadonlySet<string> = new Set(["openai", "anthropic", "google-genai", "mistral"]);

/** The variable that silences the warning in every client of the process (any value but empty or `0`). */
export const UNWRAPPED_WARNING_ENV = "GATEHOUSE_NO_UNWRAPPED_WARNING";

export const UNWRAPPED_WARNING =
  "Gatehouse: a model call's spend was declared by hand (spend or usage) on a client that is not a model-client wrapper: " +
  "its prompt is not screened, and GET /v1/coverage and posture count it as bypassing the wrappers. " +
  "Wrap the model client instead: wrapOpenAI (package @gatehouse/openai), wrapAnthropic (@gatehouse/anthropic), " +
  "wrapGoogleGenAI (@gatehouse/google-genai) or wrapMistral (@gatehouse/mistral). " +
  `Silence this with the client option warnUnwrapped: false or ${UNWRAPPED_WARNING_ENV}=1. (Shown once.)`;

/** The sinks already warned: each warns once (console.warn: once per process). */
const warned = new WeakSet<(message: string) => void>();

function silencedByEnv(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.[UNWRAPPED_WARNING_ENV];
  return value !== undefined && value !== "" && value !== "0";
}

/**
 * Warns once through `sink` when a call declares model spend (`declared`) and the client's integration
 * (`name/version`) is not a model-client wrapper, unless `enabled` is false or the environment silences it.
 */
export function warnIfUnwrapped(declared: boolean, integration: string | undefined, enabled: boolean, sink: (message: string) => void = defaultSink): void {
  if (!declared || !enabled) return;
  try {
    if (integration !== undefined && MODEL_WRAPPERS.has(integration.split("/")[0] ?? "")) return;
    if (warned.has(sink) || silencedByEnv()) return;
    warned.add(sink);
    sink(UNWRAPPED_WARNING);
  } catch {
    // Observation fails open: a warning that cannot be shown is not shown.
  }
}

function defaultSink(message: string): void {
  globalThis.console?.warn?.(message);
}
