"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/button";
import { EmptyBox, LoadError, RefreshErrorBanner } from "@/components/panel-states";
import { useLiveStatus } from "@/components/live-events";
import { fieldError, isPendingSettings, pendingSettingsMessage, updateSettings } from "@/lib/admin-api";
import { agentKeys, fetchAgents, type AgentList } from "@/lib/agents";
import { isEndedDelegate } from "@/lib/delegations";
import { formatDateTime } from "@/lib/format";
import { formatSpend, formatUsd } from "@/lib/runs";
import { budgetUse, fetchBudgets, MODEL_CLIENT_WRAPPERS, spendKeys, type Budget, type BudgetList, type PriceList, type PriceOverride } from "@/lib/spend";
import { Pill } from "../agents/secret-once";

interface Props {
  orgSlug: string;
  initialBudgets: BudgetList;
  prices: PriceList;
  /** Null when the member's role may not list agents. */
  initialAgents: AgentList | null;
  canWriteSettings: boolean;
  renderedAt: number;
}

const SECTION = "rounded-xl border border-stone-200 bg-white p-5";

/**
 * Spend (docs/budgets.md): each budget's count for its period (refreshed by the org's live decisions),
 * which agents call models through a wrapped client and which have not, and the prices calls are
 * counted at, with the org's own (which members who change settings edit here).
 */
export function SpendView({ orgSlug, initialBudgets, prices, initialAgents, canWriteSettings, renderedAt }: Props) {
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Spend</h1>
        <p className="mt-1 max-w-3xl text-sm text-stone-600">
          Model calls your agents declare are reserved against the budgets your policies state, before they run; their reported usage settles them. See{" "}
          <code className="font-mono text-xs">docs/budgets.md</code> for the <code className="font-mono text-xs">budget</code> block.
        </p>
      </div>
      <BudgetsSection orgSlug={orgSlug} initial={initialBudgets} renderedAt={renderedAt} />
      {initialAgents ? <CoverageSection orgSlug={orgSlug} initial={initialAgents} renderedAt={renderedAt} /> : null}
      <PricesSection orgSlug={orgSlug} prices={prices} canWrite={canWriteSettings} />
    </div>
  );
}

function BudgetsSection({ orgSlug, initial, renderedAt }: { orgSlug: string; initial: BudgetList; renderedAt: number }) {
  const live = useLiveStatus();
  const query = useQuery({
    queryKey: spendKeys.budgets(orgSlug),
    queryFn: ({ signal }) => fetchBudgets(orgSlug, signal),
    initialData: initial,
    initialDataUpdatedAt: renderedAt,
    refetchInterval: live === "live" ? false : 10_000,
  });
  if (query.isError && !query.data) return <LoadError what="budgets" error={query.error} onRetry={() => void query.refetch()} />;
  const budgets = query.data?.budgets ?? [];
  return (
    <section aria-labelledby="budgets-heading" className={SECTION}>
      <h2 id="budgets-heading" className="text-lg font-semibold">
        Budgets
      </h2>
      {query.isRefetchError ? <RefreshErrorBanner what="budgets" error={query.error} onRetry={() => void query.refetch()} /> : null}
      {budgets.length === 0 ? (
        <div className="mt-3">
          <EmptyBox title="No budget has counted a call yet">
            A policy&apos;s <code className="font-mono text-xs">budget</code> block counts the calls it matches, in tokens and dollars, per run, per agent and day, per org and
            month or in a named pot.
          </EmptyBox>
        </div>
      ) : (
        <div className="mt-3 overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-stone-200 text-xs text-stone-500 uppercase">
              <tr>
                <th className="px-3 py-2 font-medium">Budget</th>
                <th className="px-3 py-2 font-medium">Counts</th>
                <th className="px-3 py-2 font-medium">Limit</th>
                <th className="px-3 py-2 font-medium">Spent</th>
                <th className="px-3 py-2 font-medium">Reserved</th>
                <th className="px-3 py-2 font-medium">Used</th>
              </tr>
            </thead>
            <tbody>
              {budgets.map((budget) => (
                <BudgetRow key={`${budget.name}/${budget.per}/${budget.period}/${budget.agentId ?? budget.runId ?? ""}/${budget.model ?? ""}`} budget={budget} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function BudgetRow({ budget }: { budget: Budget }) {
  const use = budgetUse(budget);
  const percent = use === null ? null : Math.round(use * 100);
  const limit = budget.limit
    ? [budget.limit.tokens !== undefined ? `${budget.limit.tokens.toLocaleString("en-US")} tokens` : null, budget.limit.usd !== undefined ? formatUsd(budget.limit.usd) : null]
        .filter(Boolean)
        .join(" · ")
    : "no longer stated";
  return (
    <tr data-testid="budget-row" className="border-b border-stone-100 last:border-0">
      <td className="px-3 py-2">
        <div className="font-medium text-stone-900">{budget.name}</div>
        {budget.name !== budget.policy ? <div className="text-xs text-stone-500">policy {budget.policy}</div> : null}
      </td>
      <td className="px-3 py-2 text-stone-600" data-testid="budget-counts">
        {budget.agentName ? <span className="font-medium text-stone-800">{budget.agentName} · </span> : null}
        {budget.runId ? <span className="font-mono text-xs">{budget.runId} · </span> : null}
        {budget.per} · <span className="font-mono text-xs">{budget.period}</span>
        {budget.model ? <span className="text-stone-500"> · {budget.model}</span> : null}
      </td>
      <td className="px-3 py-2 whitespace-nowrap text-stone-600">{limit}</td>
      <td className="px-3 py-2 whitespace-nowrap text-stone-600" data-testid="budget-spent">
        {formatSpend(budget.spent)}
      </td>
      <td className="px-3 py-2 whitespace-nowrap text-stone-600" data-testid="budget-reserved">
        {formatSpend(budget.reserved)}
      </td>
      <td className="px-3 py-2">
        {percent === null ? (
          "—"
        ) : (
          <div className="flex items-center gap-2">
            <div
              className="h-2 w-24 overflow-hidden rounded-full bg-stone-200"
              role="meter"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.min(percent, 100)}
              aria-label={`${budget.name} used`}
            >
              <div className={`h-full ${percent >= 100 ? "bg-red-600" : percent >= 80 ? "bg-amber-500" : "bg-emerald-600"}`} style={{ width: `${Math.min(percent, 100)}%` }} />
            </div>
            <span className="text-xs text-stone-600 tabular-nums">{percent}%</span>
          </div>
        )}
      </td>
    </tr>
  );
}

/** Which agents' model calls go through a wrapped client (wrapOpenAI, wrapAnthropic) in the last 7 days, and which made none that way. */
function CoverageSection({ orgSlug, initial, renderedAt }: { orgSlug: string; initial: AgentList; renderedAt: number }) {
  const query = useQuery({ queryKey: agentKeys.list(orgSlug), queryFn: ({ signal }) => fetchAgents(orgSlug, signal), initialData: initial, initialDataUpdatedAt: renderedAt });
  // A revoked delegate makes no more calls: it is not listed (the Agents page shows it on request).
  const agents = (query.data?.agents ?? []).filter((agent) => !isEndedDelegate(agent));
  return (
    <section aria-labelledby="coverage-heading" className={SECTION}>
      <h2 id="coverage-heading" className="text-lg font-semibold">
        Model calls by agent
      </h2>
      <p className="mt-1 text-sm text-stone-600">
        A model call made through a wrapped client (<code className="font-mono text-xs">wrapOpenAI</code>, <code className="font-mono text-xs">wrapAnthropic</code>,{" "}
        <code className="font-mono text-xs">wrapGoogleGenAI</code>, <code className="font-mono text-xs">wrapMistral</code>) is decided first and counted against its budgets; one
        made with a bare client is invisible to Gatehouse. Over the last 7 days:
      </p>
      {agents.length === 0 ? (
        <div className="mt-3">
          <EmptyBox title="No agents yet" />
        </div>
      ) : (
        <ul className="mt-3 divide-y divide-stone-100">
          {agents.map((agent) => {
            const wrapped = agent.integrations.filter((i) => (MODEL_CLIENT_WRAPPERS as readonly string[]).includes(i.name));
            const frameworks = agent.integrations.filter(
              (i) => !(MODEL_CLIENT_WRAPPERS as readonly string[]).includes(i.name) && ["ai-sdk", "openai-agents", "langchain"].includes(i.name),
            );
            return (
              <li key={agent.id} data-testid="coverage-row" data-agent={agent.name} className="flex flex-wrap items-center gap-3 py-2 text-sm">
                <Link href={`/o/${encodeURIComponent(orgSlug)}/agents/${agent.id}`} className="w-48 truncate font-medium text-stone-900 hover:underline">
                  {agent.name}
                </Link>
                {wrapped.length > 0 ? (
                  <span data-testid="coverage" data-state="wrapped" className="flex flex-wrap items-center gap-2">
                    <Pill tone="ok">wrapped</Pill>
                    {wrapped.map((w) => (
                      <span key={w.name} className="text-stone-600">
                        {w.label}
                        {w.version ? ` ${w.version}` : ""}, last call {formatDateTime(w.lastSeenAt)}
                      </span>
                    ))}
                  </span>
                ) : (
                  <span data-testid="coverage" data-state="none" className="flex items-center gap-2">
                    <Pill tone={frameworks.length > 0 ? "warn" : "muted"}>{frameworks.length > 0 ? "not wrapped" : "none yet"}</Pill>
                    <span className="text-stone-600">
                      {frameworks.length > 0
                        ? `calls models through ${frameworks.map((f) => f.label).join(", ")}, with no wrapped client: its model calls are not counted`
                        : "no model call through a wrapped client (never wrapped, or none made yet)"}
                    </span>
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

type Row = { model: string; input: string; output: string; cacheRead: string; cacheWrite: string };
const toRow = (p: PriceOverride): Row => ({
  model: p.model,
  input: String(p.input),
  output: String(p.output),
  cacheRead: p.cacheRead === undefined ? "" : String(p.cacheRead),
  cacheWrite: p.cacheWrite === undefined ? "" : String(p.cacheWrite),
});
const fromRow = (r: Row): PriceOverride => ({
  model: r.model.trim(),
  input: Number(r.input),
  output: Number(r.output),
  ...(r.cacheRead.trim() === "" ? {} : { cacheRead: Number(r.cacheRead) }),
  ...(r.cacheWrite.trim() === "" ? {} : { cacheWrite: Number(r.cacheWrite) }),
});

/** The org's own prices (settings spend.priceOverrides) and the built-in table. */
function PricesSection({ orgSlug, prices, canWrite }: { orgSlug: string; prices: PriceList; canWrite: boolean }) {
  const [rows, setRows] = useState<Row[]>(() => prices.overrides.map(toRow));
  const [saved, setSaved] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: () => updateSettings(orgSlug, { spend: { priceOverrides: rows.map(fromRow) } }),
    onSuccess: (outcome) => {
      if (isPendingSettings(outcome)) return setSaved(pendingSettingsMessage(outcome));
      setRows(outcome.spend.priceOverrides.map(toRow));
      setSaved(
        `Saved. ${outcome.spend.priceOverrides.length === 0 ? "Only the built-in prices apply" : `${outcome.spend.priceOverrides.length} org price(s) apply`} from the next call.`,
      );
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(null);
    save.mutate();
  };
  const set = (index: number, field: keyof Row, value: string) => setRows((current) => current.map((r, i) => (i === index ? { ...r, [field]: value } : r)));
  const current = prices.models.filter((m) => m.current);
  const listError = fieldError(save.error, "spend.priceOverrides");
  return (
    <section aria-labelledby="prices-heading" className={SECTION}>
      <h2 id="prices-heading" className="text-lg font-semibold">
        Prices
      </h2>
      <p className="mt-1 text-sm text-stone-600">
        US dollars per million tokens. The org&apos;s prices win over the built-in table and price models it lacks; <code className="font-mono text-xs">*</code> prices every model
        nobody else does. Without a price, a call is refused by a budget that counts dollars — never counted as free.
      </p>
      <form onSubmit={submit} noValidate className="mt-4 space-y-3" aria-label="Org prices">
        {rows.length === 0 ? <p className="text-sm text-stone-600">The org sets no prices of its own.</p> : null}
        {rows.map((row, index) => (
          <fieldset key={index} data-testid="price-override" className="flex flex-wrap items-end gap-2">
            <legend className="sr-only">Price {index + 1}</legend>
            {(["model", "input", "output", "cacheRead", "cacheWrite"] as const).map((field) => {
              const id = `price-${index}-${field}`;
              const error = fieldError(save.error, `spend.priceOverrides[${index}].${field}`);
              const labels = { model: "Model", input: "Input", output: "Output", cacheRead: "Cache read", cacheWrite: "Cache write" };
              return (
                <div key={field} className="space-y-1">
                  <label htmlFor={id} className="block text-xs font-medium text-stone-700">
                    {labels[field]}
                  </label>
                  <input
                    id={id}
                    value={row[field]}
                    disabled={!canWrite}
                    inputMode={field === "model" ? "text" : "decimal"}
                    aria-invalid={error ? true : undefined}
                    title={error ?? undefined}
                    onChange={(event) => set(index, field, event.target.value)}
                    className={`block rounded-md border px-2 py-1 text-sm disabled:bg-stone-50 ${field === "model" ? "w-56 font-mono" : "w-24"} ${error ? "border-red-400" : "border-stone-300"}`}
                  />
                  {error ? <p className="max-w-56 text-xs text-red-700">{error}</p> : null}
                </div>
              );
            })}
            {canWrite ? (
              <Button type="button" variant="secondary" onClick={() => setRows((current) => current.filter((_, i) => i !== index))}>
                Remove
              </Button>
            ) : null}
          </fieldset>
        ))}
        {listError ? <p className="text-sm text-red-700">{listError}</p> : null}
        {canWrite ? (
          <div className="flex flex-wrap items-center gap-3">
            <Button type="button" variant="secondary" onClick={() => setRows((current) => [...current, { model: "", input: "", output: "", cacheRead: "", cacheWrite: "" }])}>
              Add a price
            </Button>
            <Button type="submit" disabled={save.isPending}>
              {save.isPending ? "Saving…" : "Save prices"}
            </Button>
            {saved ? (
              <p role="status" className="text-sm text-stone-700">
                {saved}
              </p>
            ) : null}
            {save.isError && !listError && !saved ? (
              <p role="alert" className="text-sm text-red-700">
                {save.error instanceof Error ? save.error.message : "Could not save the prices."}
              </p>
            ) : null}
          </div>
        ) : (
          <p className="text-sm text-stone-600">Only a member with the permission to change settings can change the org&apos;s prices.</p>
        )}
      </form>
      <details className="mt-5">
        <summary className="cursor-pointer text-sm font-medium text-stone-800">
          Built-in prices ({current.length} in force, table {prices.version})
        </summary>
        <div className="mt-2 overflow-x-auto">
          <table className="w-full text-left text-sm" aria-label="Built-in prices">
            <thead className="border-b border-stone-200 text-xs text-stone-500 uppercase">
              <tr>
                <th className="px-3 py-2 font-medium">Provider</th>
                <th className="px-3 py-2 font-medium">Model</th>
                <th className="px-3 py-2 font-medium">Tier</th>
                <th className="px-3 py-2 text-right font-medium">Input</th>
                <th className="px-3 py-2 text-right font-medium">Output</th>
                <th className="px-3 py-2 text-right font-medium">Cache read</th>
                <th className="px-3 py-2 text-right font-medium">Cache write</th>
                <th className="px-3 py-2 font-medium">Since</th>
              </tr>
            </thead>
            <tbody>
              {current.map((p) => (
                <tr key={`${p.model}/${p.tier}`} data-testid="price-row" className="border-b border-stone-100 last:border-0">
                  <td className="px-3 py-1.5 text-stone-600">{p.provider}</td>
                  <td className="px-3 py-1.5 font-mono text-xs">{p.model}</td>
                  <td className="px-3 py-1.5 text-stone-600">{p.tier}</td>
                  <td className="px-3 py-1.5 text-right tabular-nums">{p.input}</td>
                  <td className="px-3 py-1.5 text-right tabular-nums">{p.output}</td>
                  <td className="px-3 py-1.5 text-right tabular-nums">{p.cacheRead ?? "—"}</td>
                  <td className="px-3 py-1.5 text-right tabular-nums">{p.cacheWrite ?? "—"}</td>
                  <td className="px-3 py-1.5 text-stone-600">
                    <a href={p.source} className="hover:underline" rel="noreferrer noopener" target="_blank">
                      {p.effectiveFrom}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}
