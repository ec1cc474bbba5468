/**
 * The integrations an agent's calls can come through, as the `x-gatehouse-integration` header names
 * them (`<name>/<version>`): the API records, per agent, which of these it used and when
 * (docs/integrations.md, Coverage). Only these names are recorded, so no caller can grow the record
 * with names of its own.
 */
export const INTEGRATIONS = {
  sdk: { label: "TypeScript SDK", callsModels: false, role: "client" },
  python: { label: "Python SDK", callsModels: false, role: "client" },
  cli: { label: "gatehouse CLI", callsModels: false, role: "client" },
  "ai-sdk": { label: "Vercel AI SDK", callsModels: true, role: "adapter" },
  "openai-agents": { label: "OpenAI Agents SDK", callsModels: true, role: "adapter" },
  langchain: { label: "LangChain", callsModels: true, role: "adapter" },
  "mcp-proxy": { label: "MCP proxy", callsModels: false, role: "adapter" },
  "mcp-server": { label: "MCP server", callsModels: false, role: "adapter" },
  "claude-code": { label: "Claude Code hook", callsModels: false, role: "adapter" },
  codex: { label: "Codex hook", callsModels: false, role: "adapter" },
  openai: { label: "OpenAI client (wrapOpenAI)", callsModels: true, role: "model-wrapper" },
  anthropic: { label: "Anthropic client (wrapAnthropic)", callsModels: true, role: "model-wrapper" },
  "google-genai": { label: "Google Gen AI client (wrapGoogleGenAI)", callsModels: true, role: "model-wrapper" },
  mistral: { label: "Mistral client (wrapMistral)", callsModels: true, role: "model-wrapper" },
} as const satisfies Record<string, { label: string; callsModels: boolean; role: IntegrationRole }>;

/**
 * What an integration is to coverage: a `client` is one of the SDKs or the CLI called by hand; an
 * `adapter` puts a framework's or a coding agent's tool calls through Gatehouse; a `model-wrapper`
 * decides and meters a model client's calls (the TypeScript and Python wrappers send the same name).
 */
export type IntegrationRole = "client" | "adapter" | "model-wrapper";

export type IntegrationName = keyof typeof INTEGRATIONS;

const HEADER = /^([a-z0-9][a-z0-9-]{0,39})(?:\/([0-9A-Za-z.+-]{1,40}))?$/;

/** The integration a header value names, with its version; null for anything else (ignored, never refused). */
export function parseIntegrationHeader(value: string | string[] | undefined): { name: IntegrationName; version: string | null } | null {
  if (typeof value !== "string") return null;
  const match = HEADER.exec(value.trim());
  const name = match?.[1];
  if (name === undefined || !Object.hasOwn(INTEGRATIONS, name)) return null;
  return { name: name as IntegrationName, version: match?.[2] ?? null };
}

/**
 * A tool name as an action type segment: snake_case, `[a-z0-9_-]` only, at most 100 characters.
 * The same rule as the SDK's `toolActionSegment` (a published package that cannot import this one);
 * apps/api/test/integrations.test.ts holds the two to one table.
 */
export function toolSegment(name: string): string {
  const snake = name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "_")
    .replace(/^[_-]+/, "")
    .slice(0, 100);
  return snake === "" ? "unnamed" : snake;
}

/** The window the agents page and posture show integrations for, in days up to now. */
export const INTEGRATION_WINDOW_DAYS = 7;

/** One integration an agent used, as recorded. */
export interface AgentIntegrationFact {
  name: string;
  lastSeenAt: Date;
  lastToolCallAt: Date | null;
}

/**
 * An agent runs a model-calling framework (an integration that calls models: AI SDK, OpenAI Agents,
 * LangChain, wrapped OpenAI or Anthropic clients) within the window, yet no governed tool call (a
 * decision naming its tool) came from it through any integration: its tools run past Gatehouse.
 */
export function toolCallsUngoverned(facts: readonly AgentIntegrationFact[], now: Date): boolean {
  const since = now.getTime() - INTEGRATION_WINDOW_DAYS * 86_400_000;
  const callsModels = facts.some((f) => f.lastSeenAt.getTime() >= since && Object.hasOwn(INTEGRATIONS, f.name) && INTEGRATIONS[f.name as IntegrationName].callsModels);
  const governed = facts.some((f) => f.lastToolCallAt !== null && f.lastToolCallAt.getTime() >= since);
  return callsModels && !governed;
}

/** The window `GET /v1/coverage` counts model and tool calls over, in UTC days up to today (as posture's window). */
export const COVERAGE_WINDOW_DAYS = 30;

/**
 * The kinds of call coverage counts. A model call is a decision that declares `spend`: `model.wrapped`
 * when it came through a model-client wrapper (its `x-gatehouse-integration` names one), else
 * `model.declared` (spend declared by hand, the model client unwrapped). A tool call is a decision
 * naming its `tool`: `tool.adapter` when an adapter (or a wrapper) sent it, else `tool.direct`.
 */
export const COVERAGE_KINDS = ["model.wrapped", "model.declared", "tool.adapter", "tool.direct"] as const;
export type CoverageKind = (typeof COVERAGE_KINDS)[number];

/** The coverage kinds one recorded decision counts as (none, one or two). */
export function coverageKindsOf(call: { integration: IntegrationName | null; spend: boolean; tool: boolean }): CoverageKind[] {
  const role = call.integration === null ? "client" : INTEGRATIONS[call.integration].role;
  const kinds: CoverageKind[] = [];
  if (call.spend) kinds.push(role === "model-wrapper" ? "model.wrapped" : "model.declared");
  if (call.tool) kinds.push(role === "client" ? "tool.direct" : "tool.adapter");
  return kinds;
}
