"use client";

import { CopyButton } from "@/components/text-actions";
import { agentSnippets, callCoverage, type AgentCalls, type AgentIntegration } from "@/lib/agents";
import { formatDateTime } from "@/lib/format";

/** A new key, shown this once (only its hash is stored): the key itself, a copy button and what to do with it. */
export function SecretOnce({ title, secret, children }: { title: string; secret: string; children?: React.ReactNode }) {
  return (
    <section aria-label={title} className="rounded-xl border border-amber-300 bg-amber-50 p-4">
      <h3 className="text-sm font-semibold text-amber-900">{title}</h3>
      <p className="mt-1 text-xs text-amber-900">Copy it now: it is shown once and only its hash is stored.</p>
      <div className="mt-3 flex flex-wrap items-center gap-2">
        <code data-testid="new-key" className="rounded-md border border-amber-200 bg-white px-2 py-1 font-mono text-xs break-all">
          {secret}
        </code>
        <CopyButton text={secret} label="Copy key" />
      </div>
      {children}
    </section>
  );
}

/** A snippet of code with its copy button. */
export function Snippet({ label, code }: { label: string; code: string }) {
  return (
    <div className="mt-3">
      <div className="flex items-center justify-between gap-2">
        <h4 className="text-xs font-medium text-stone-700">{label}</h4>
        <CopyButton text={code} label="Copy" context={label} />
      </div>
      <pre className="mt-1 overflow-x-auto rounded-md bg-stone-900 p-3 font-mono text-xs text-stone-100">{code}</pre>
    </div>
  );
}

/** The ready snippets for an agent's key (the SDK's gate(), curl, the CLI), filled with the key and the API's URL. */
export function AgentSnippets({ apiUrl, apiKey }: { apiUrl: string; apiKey: string | null }) {
  const snippets = agentSnippets(apiUrl, apiKey);
  return (
    <>
      <Snippet label="SDK (TypeScript)" code={snippets.sdk} />
      <Snippet label="curl" code={snippets.curl} />
      <Snippet label="CLI" code={snippets.cli} />
    </>
  );
}

/**
 * An agent's model calls (through a wrapper or declared by hand) and tool calls (through an adapter or by
 * hand) over the last 30 days, with a warning when its model calls bypass the wrappers (docs/agents.md, Coverage).
 */
export function CallCoverage({ calls, detailed = false }: { calls: AgentCalls; detailed?: boolean }) {
  const shown = callCoverage(calls);
  return (
    <span className="flex flex-col gap-0.5">
      <span data-testid="model-calls" title="Decisions declaring spend: through wrapOpenAI / wrapAnthropic (wrap_openai / wrap_anthropic), or declared by hand">
        model calls: {shown.model}
      </span>
      <span data-testid="tool-calls" title="Decisions naming their tool: through an adapter (AI SDK, OpenAI Agents, LangChain, MCP, a coding agent's hook), or sent by hand">
        tool calls: {shown.tool}
      </span>
      {shown.bypassesWrappers ? (
        <span data-testid="unwrapped-model-calls">
          <Pill tone="warn">{detailed ? "model calls bypass the wrappers: prompts reach the provider unscreened" : "model calls unwrapped"}</Pill>
        </span>
      ) : null}
    </span>
  );
}

/** A status pill: active, halted, or a breaker state. */
export function Pill({ tone, children }: { tone: "ok" | "bad" | "warn" | "muted"; children: React.ReactNode }) {
  const tones = {
    ok: "bg-emerald-50 text-emerald-800 ring-emerald-200",
    bad: "bg-red-50 text-red-800 ring-red-200",
    warn: "bg-amber-50 text-amber-800 ring-amber-200",
    muted: "bg-stone-100 text-stone-700 ring-stone-200",
  };
  return <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${tones[tone]}`}>{children}</span>;
}

/**
 * The integrations an agent's calls came through in the last 7 days, and the warning when it runs a
 * model-calling framework whose tool calls never reached Gatehouse (docs/integrations.md, Coverage).
 */
export function IntegrationList({ integrations, ungoverned, detailed = false }: { integrations: AgentIntegration[]; ungoverned: boolean; detailed?: boolean }) {
  if (integrations.length === 0) return <span>none</span>;
  return (
    <span className="flex flex-wrap items-center gap-1">
      {integrations.map((integration) => (
        <span
          key={integration.name}
          title={`last call ${formatDateTime(integration.lastSeenAt)}${integration.lastToolCallAt ? `, last tool call ${formatDateTime(integration.lastToolCallAt)}` : ", no tool call"}`}
        >
          <Pill tone="muted">
            {integration.label}
            {detailed && integration.version ? ` ${integration.version}` : ""}
          </Pill>
        </span>
      ))}
      {ungoverned ? (
        <span data-testid="ungoverned-tool-calls">
          <Pill tone="warn">{detailed ? "calls models, but no tool call reached Gatehouse: its tools may run ungoverned" : "tool calls ungoverned"}</Pill>
        </span>
      ) : null}
    </span>
  );
}

export const breakerTone = (state: string) => (state === "closed" ? "ok" : state === "open" ? "bad" : "warn");
export const breakerLabel = (state: string) => (state === "half_open" ? "half-open" : state);
