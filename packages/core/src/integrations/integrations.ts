/**
 * The integrations an agent's calls can come through, as the `x-gatehouse-integration` header names
 * them (`<name>/<version>`): the API records, per agent, which of these it used and when
 * (docs/integrations.md, Coverage). Only these names are recorded, so no caller can grow the record
 * with names of its own.
 */
export const INTEGRATIONS = {
  sdk: { label: "TypeScript SDK", callsModels: false },
  python: { label: "Python SDK", callsModels: false },
  cli: { label: "gatehouse CLI", callsModels: false },
  "ai-sdk": { label: "Vercel AI SDK", callsModels: true },
  "openai-agents": { label: "OpenAI Agents SDK", callsModels: true },
  langchain: { label: "LangChain", callsModels: true },
  "mcp-proxy": { label: "MCP proxy", callsModels: false },
  "mcp-server": { label: "MCP server", callsModels: false },
  "claude-code": { label: "Claude Code hook", callsModels: false },
  codex: { label: "Codex hook", callsModels: false },
  openai: { label: "OpenAI client (wrapOpenAI)", callsModels: true },
  anthropic: { label: "Anthropic client (wrapAnthropic)", callsModels: true },
  "google-genai": { label: "Google Gen AI client (wrapGoogleGenAI)", callsModels: true },
  mistral: { label: "Mistral client (wrapMistral)", callsModels: true },
} as const satisfies Record<string, { label: string; callsModels: boolean }>;

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
