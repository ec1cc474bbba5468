"use client";

import Link from "next/link";
import type { EventData } from "@gatehouse/contracts";
import { useState } from "react";
import { useLiveEventListener } from "@/components/live-events";

// The newest decisions, approval outcomes and governance events (budget alerts, content found, loops, broken
// post-conditions) as they arrive on the org's event stream (the one the enclosing LiveEvents holds), newest first. It starts empty when the page opens: the audit log has
// everything before.

const MAX_LINES = 20;

const OUTCOMES: Partial<Record<EventData["type"], { label: string; className: string }>> = {
  "action.executed": { label: "executed", className: "bg-emerald-50 text-emerald-800 ring-emerald-200" },
  "action.denied": { label: "denied", className: "bg-red-50 text-red-800 ring-red-200" },
  "approval.requested": { label: "awaiting approval", className: "bg-amber-50 text-amber-800 ring-amber-200" },
  "approval.expired": { label: "expired", className: "bg-stone-100 text-stone-700 ring-stone-200" },
  "budget.threshold": { label: "budget alert", className: "bg-amber-50 text-amber-800 ring-amber-200" },
  "budget.exceeded": { label: "budget exceeded", className: "bg-red-50 text-red-800 ring-red-200" },
  "guardrail.triggered": { label: "content found", className: "bg-amber-50 text-amber-800 ring-amber-200" },
  "loop.detected": { label: "loop refused", className: "bg-red-50 text-red-800 ring-red-200" },
  "postcondition.violated": { label: "post-condition broken", className: "bg-red-50 text-red-800 ring-red-200" },
};

function outcome(event: EventData): { label: string; className: string } | null {
  if (event.type === "approval.decided") {
    // An approval's end names its status (approved, denied, cancelled); a vote's decision is another event's.
    return event.status === "approved"
      ? { label: "approved", className: "bg-emerald-50 text-emerald-800 ring-emerald-200" }
      : { label: event.status ?? "decided", className: "bg-red-50 text-red-800 ring-red-200" };
  }
  return OUTCOMES[event.type] ?? null;
}

/** A field only some event types carry (a decision names its agent and action; an approval's end, its action). */
function textOf(event: EventData, key: "agentName" | "actionType"): string | undefined {
  const value: unknown = (event as Readonly<Record<string, unknown>>)[key];
  return typeof value === "string" ? value : undefined;
}

const time = (at: string) => {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? at : `${date.toISOString().slice(11, 19)} UTC`;
};

export function ActivityFeed({ orgSlug }: { orgSlug: string }) {
  const [events, setEvents] = useState<EventData[]>([]);
  useLiveEventListener((event) => {
    if (!outcome(event)) return;
    setEvents((current) => (current.some((e) => e.seq === event.seq) ? current : [event, ...current].slice(0, MAX_LINES)));
  });
  const base = `/o/${encodeURIComponent(orgSlug)}`;

  if (events.length === 0) {
    return (
      <p data-testid="activity-empty" className="rounded-lg border border-dashed border-stone-300 px-4 py-6 text-center text-sm text-stone-500">
        Waiting for activity. Decisions appear here as they happen; earlier ones are in the{" "}
        <Link href={`${base}/audit`} className="underline underline-offset-2">
          audit log
        </Link>
        .
      </p>
    );
  }
  return (
    <ol aria-label="Live activity" aria-live="polite" className="max-h-80 divide-y divide-stone-100 overflow-y-auto rounded-lg border border-stone-200">
      {events.map((event) => {
        const shown = outcome(event);
        return (
          <li key={event.seq} data-testid="activity-line" className="flex items-center gap-3 px-3 py-2 text-sm">
            <time dateTime={event.at} className="shrink-0 font-mono text-xs text-stone-500">
              {time(event.at)}
            </time>
            <span className="min-w-0 flex-1 truncate">
              {event.agentId ? (
                <Link href={`${base}/agents/${encodeURIComponent(event.agentId)}`} className="font-medium underline underline-offset-2">
                  {textOf(event, "agentName") ?? event.agentId}
                </Link>
              ) : (
                <span className="font-medium">{textOf(event, "agentName") ?? "—"}</span>
              )}{" "}
              <code className="font-mono text-xs text-stone-700">{textOf(event, "actionType") ?? ""}</code>
            </span>
            {shown ? <span className={`shrink-0 rounded px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset ${shown.className}`}>{shown.label}</span> : null}
          </li>
        );
      })}
    </ol>
  );
}
