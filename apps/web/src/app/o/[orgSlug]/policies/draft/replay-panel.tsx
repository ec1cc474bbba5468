"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "@/components/button";
import { ChoiceButtons } from "@/components/choice-buttons";
import { FormAlert } from "@/components/form-fields";
import { formatCount, formatDateTime, pluralWord } from "@/lib/format";
import { EFFECT_LABELS, REPLAY_DAYS, simulateSource, type Effect, type PolicySimulation } from "@/lib/policies";
import type { SourceFormat } from "@/lib/policy-source";

const arrow = (from: Effect, to: Effect) => `${EFFECT_LABELS[from]} → ${EFFECT_LABELS[to]}`;

/** Replays the draft against the org's recorded decisions of the last 1, 7 or 30 days and shows what would change. */
export function ReplayPanel({ orgSlug, source, format }: { orgSlug: string; source: string; format: SourceFormat }) {
  const [days, setDays] = useState<number>(7);
  const replay = useMutation({ mutationFn: () => simulateSource(orgSlug, { source, format, days }) });
  return (
    <section aria-labelledby="replay-title" className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="replay-title" className="text-sm font-semibold">
          Replay against history
        </h2>
        <div className="flex items-center gap-1">
          <ChoiceButtons label="Replay days" options={REPLAY_DAYS} value={days} onChange={setDays} render={(d) => `${d}d`} />
          <Button size="xs" onClick={() => replay.mutate()} disabled={replay.isPending}>
            {replay.isPending ? "Replaying…" : "Replay"}
          </Button>
        </div>
      </div>
      {replay.error ? <FormAlert>{replay.error.message}</FormAlert> : null}
      {replay.data ? (
        <ReplayResult result={replay.data} />
      ) : (
        <p className="text-xs text-stone-500">Evaluates the draft against the decisions agents actually asked for; nothing is stored.</p>
      )}
    </section>
  );
}

function ReplayResult({ result }: { result: PolicySimulation }) {
  const table = "w-full text-left text-xs";
  const head = "border-b border-stone-200 text-stone-500";
  return (
    <div data-testid="replay-result" className="space-y-3 text-xs">
      <p className="text-stone-700">
        <span data-testid="replay-evaluated">{formatCount(result.evaluated)}</span> {pluralWord(result.evaluated, "decision")} from {formatDateTime(result.from)} replayed;{" "}
        <strong data-testid="replay-changed">{formatCount(result.changed)}</strong> would change.
        {result.rewritten > 0 ? (
          <>
            {" "}
            <span data-testid="replay-rewritten">{formatCount(result.rewritten)}</span> would run with {result.rewritten === 1 ? "its call" : "their calls"} rewritten (redact,
            transform).
          </>
        ) : null}
        {result.truncated ? " Only the newest were replayed (the cap was reached)." : ""}
      </p>
      {result.transitions.length > 0 ? (
        <>
          <table className={table} aria-label="Transitions">
            <thead className={head}>
              <tr>
                <th className="py-1 font-medium">Change</th>
                <th className="py-1 text-right font-medium">Decisions</th>
              </tr>
            </thead>
            <tbody>
              {result.transitions.map((t) => (
                <tr key={`${t.from}-${t.to}`} data-testid="transition-row" className="border-b border-stone-100 last:border-0">
                  <td className="py-1">{arrow(t.from, t.to)}</td>
                  <td className="py-1 text-right tabular-nums">{formatCount(t.count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table className={table} aria-label="By action type">
            <thead className={head}>
              <tr>
                <th className="py-1 font-medium">Action type</th>
                <th className="py-1 font-medium">Change</th>
                <th className="py-1 text-right font-medium">Decisions</th>
              </tr>
            </thead>
            <tbody>
              {result.byActionType.map((t) => (
                <tr key={`${t.actionType}-${t.from}-${t.to}`} className="border-b border-stone-100 last:border-0">
                  <td className="py-1 font-mono">{t.actionType}</td>
                  <td className="py-1">{arrow(t.from, t.to)}</td>
                  <td className="py-1 text-right tabular-nums">{formatCount(t.count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table className={table} aria-label="By agent">
            <thead className={head}>
              <tr>
                <th className="py-1 font-medium">Agent</th>
                <th className="py-1 font-medium">Change</th>
                <th className="py-1 text-right font-medium">Decisions</th>
              </tr>
            </thead>
            <tbody>
              {result.byAgent.map((t) => (
                <tr key={`${t.agentId}-${t.from}-${t.to}`} className="border-b border-stone-100 last:border-0">
                  <td className="py-1">{t.agentName}</td>
                  <td className="py-1">{arrow(t.from, t.to)}</td>
                  <td className="py-1 text-right tabular-nums">{formatCount(t.count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table className={table} aria-label="Samples">
            <thead className={head}>
              <tr>
                <th className="py-1 font-medium">When</th>
                <th className="py-1 font-medium">Request</th>
                <th className="py-1 font-medium">Was</th>
                <th className="py-1 font-medium">Would be</th>
              </tr>
            </thead>
            <tbody>
              {result.samples.map((s) => (
                <tr key={s.actionId} className="border-b border-stone-100 last:border-0">
                  <td className="py-1 text-stone-500">{formatDateTime(s.at)}</td>
                  <td className="py-1">
                    <span className="font-mono">{s.actionType}</span> by {s.agentName}
                  </td>
                  <td className="py-1">
                    {EFFECT_LABELS[s.from]} <span className="text-stone-500">({s.policyBefore ?? "no policy"})</span>
                  </td>
                  <td className="py-1">
                    {EFFECT_LABELS[s.to]} <span className="text-stone-500">({s.policyAfter ?? "no policy"})</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </div>
  );
}
