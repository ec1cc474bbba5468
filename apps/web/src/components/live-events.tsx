"use client";

import { useQueryClient } from "@tanstack/react-query";
import type { EventData } from "@gatehouse/contracts";
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { eventsUrl } from "@/lib/api-client";
import { agentKeys } from "@/lib/agents";
import { staleQueryKeys } from "@/lib/live-invalidation";
import { overviewKeys } from "@/lib/overview";

/** `live`: the event stream is open; `connecting`: (re)connecting; `offline`: waiting to try again. */
export type LiveStatus = "connecting" | "live" | "offline";

const LiveStatusContext = createContext<LiveStatus>("offline");

/** Whether the console is hearing the org's events right now (views poll as a fallback when not). */
export function useLiveStatus(): LiveStatus {
  return useContext(LiveStatusContext);
}

type LiveListener = (event: EventData) => void;
const LiveSubscribeContext = createContext<((listener: LiveListener) => () => void) | null>(null);

/**
 * Calls `listener` with each decision or approval event of the org as it arrives on the stream the
 * enclosing LiveEvents holds (no second stream). Outside LiveEvents it hears nothing.
 */
export function useLiveEventListener(listener: LiveListener): void {
  const subscribe = useContext(LiveSubscribeContext);
  const latest = useRef(listener);
  useEffect(() => {
    latest.current = listener;
  });
  useEffect(() => subscribe?.((event) => latest.current(event)), [subscribe]);
}

/** The event's data, or null when it is not the JSON the stream sends. */
function eventData(message: MessageEvent): EventData | null {
  try {
    const data = JSON.parse(String(message.data)) as unknown;
    return typeof data === "object" && data !== null && "type" in data ? (data as EventData) : null;
  } catch {
    return null;
  }
}

const APPROVAL_EVENTS = ["approval.requested", "approval.voted", "approval.decided", "approval.expired"] as const satisfies ReadonlyArray<EventData["type"]>;
// Events that add an entry to an agent's recent decisions.
const DECISION_EVENTS: ReadonlySet<string> = new Set<EventData["type"]>(["action.executed", "action.denied", "approval.requested"]);
const ACTION_EVENTS = ["action.executed", "action.denied"] as const satisfies ReadonlyArray<EventData["type"]>;
// Events that change an agent's delegation tree.
const DELEGATION_EVENTS = ["delegation.created", "delegation.revoked", "delegation.expired"] as const satisfies ReadonlyArray<EventData["type"]>;

// Governance events (docs/events.md): the live feed shows them; nothing the pages hold changes.
const GOVERNANCE_EVENTS = ["budget.threshold", "budget.exceeded", "guardrail.triggered", "loop.detected", "postcondition.violated"] as const satisfies ReadonlyArray<
  EventData["type"]
>;

// A burst of events (a batch of approvals decided at once) refetches once.
const COALESCE_MS = 150;
const MAX_RETRY_MS = 60_000;

/**
 * Follows the org's server-sent events while an org page is open and refetches the queries they
 * change. EventSource reconnects by itself (sending Last-Event-ID, so nothing is missed); when the
 * browser gives up (an error answer, such as an ended session), it tries again with backoff. Every
 * (re)connection also refetches, which covers anything that happened before the stream opened.
 */
export function LiveEvents({ orgSlug, children }: { orgSlug: string; children: ReactNode }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const [listeners] = useState(() => new Set<LiveListener>());
  const [subscribe] = useState(() => (listener: LiveListener) => {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  });

  useEffect(() => {
    let source: EventSource | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    const stale = { approvals: false, decisions: false, delegations: false };

    const flush = () => {
      flushTimer = undefined;
      for (const queryKey of staleQueryKeys(orgSlug, stale)) void queryClient.invalidateQueries({ queryKey });
      stale.approvals = false;
      stale.decisions = false;
      stale.delegations = false;
    };
    const mark = (approvals: boolean, decisions: boolean, delegations = false) => {
      stale.approvals ||= approvals;
      stale.decisions ||= decisions;
      stale.delegations ||= delegations;
      flushTimer ??= setTimeout(flush, COALESCE_MS);
    };

    const connect = () => {
      setStatus("connecting");
      const current = new EventSource(eventsUrl(orgSlug));
      source = current;
      current.onopen = () => {
        failures = 0;
        setStatus("live");
        mark(true, true, true);
      };
      current.onerror = () => {
        if (current.readyState !== EventSource.CLOSED) {
          setStatus("connecting");
          return;
        }
        current.close();
        setStatus("offline");
        failures += 1;
        retryTimer = setTimeout(connect, Math.min(MAX_RETRY_MS, 1_000 * 2 ** failures));
      };
      const tell = (message: MessageEvent) => {
        if (listeners.size === 0) return;
        const data = eventData(message);
        if (data) for (const listener of listeners) listener(data);
      };
      for (const type of APPROVAL_EVENTS)
        current.addEventListener(type, (message) => {
          mark(true, DECISION_EVENTS.has(type));
          tell(message);
        });
      for (const type of ACTION_EVENTS)
        current.addEventListener(type, (message) => {
          mark(false, true);
          tell(message);
        });
      for (const type of DELEGATION_EVENTS) current.addEventListener(type, () => mark(false, false, true));
      for (const type of GOVERNANCE_EVENTS) current.addEventListener(type, tell);
      // An agent that stopped answering: the agents pages and the overview's presence counts.
      current.addEventListener("agent.unresponsive", () => {
        void queryClient.invalidateQueries({ queryKey: agentKeys.all(orgSlug) });
        void queryClient.invalidateQueries({ queryKey: overviewKeys.all(orgSlug) });
      });
    };

    connect();
    return () => {
      source?.close();
      clearTimeout(retryTimer);
      clearTimeout(flushTimer);
    };
  }, [orgSlug, queryClient, listeners]);

  return (
    <LiveStatusContext.Provider value={status}>
      <LiveSubscribeContext.Provider value={subscribe}>{children}</LiveSubscribeContext.Provider>
    </LiveStatusContext.Provider>
  );
}
