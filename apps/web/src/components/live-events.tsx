"use client";

import { useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { eventsUrl } from "@/lib/api-client";
import { approvalKeys } from "@/lib/approvals";
import { delegationKeys } from "@/lib/delegations";
import { onboardingKeys } from "@/lib/onboarding";

/** `live`: the event stream is open; `connecting`: (re)connecting; `offline`: waiting to try again. */
export type LiveStatus = "connecting" | "live" | "offline";

const LiveStatusContext = createContext<LiveStatus>("offline");

/** Whether the console is hearing the org's events right now (views poll as a fallback when not). */
export function useLiveStatus(): LiveStatus {
  return useContext(LiveStatusContext);
}

const APPROVAL_EVENTS = ["approval.requested", "approval.voted", "approval.decided", "approval.expired"] as const;
// Events that add an entry to an agent's recent decisions.
const DECISION_EVENTS = new Set<string>(["action.executed", "action.denied", "approval.requested"]);
const ACTION_EVENTS = ["action.executed", "action.denied"] as const;
// Events that change an agent's delegation tree.
const DELEGATION_EVENTS = ["delegation.created", "delegation.revoked", "delegation.expired"] as const;

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

  useEffect(() => {
    let source: EventSource | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    const stale = { approvals: false, decisions: false, delegations: false };

    const flush = () => {
      flushTimer = undefined;
      if (stale.approvals) void queryClient.invalidateQueries({ queryKey: approvalKeys.all(orgSlug) });
      if (stale.decisions) {
        void queryClient.invalidateQueries({ queryKey: approvalKeys.agentDecisions(orgSlug) });
        // An agent's first decision ticks the org home's onboarding checklist.
        void queryClient.invalidateQueries({ queryKey: onboardingKeys.state(orgSlug) });
      }
      if (stale.delegations) void queryClient.invalidateQueries({ queryKey: delegationKeys.all(orgSlug) });
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
      for (const type of APPROVAL_EVENTS) current.addEventListener(type, () => mark(true, DECISION_EVENTS.has(type)));
      for (const type of ACTION_EVENTS) current.addEventListener(type, () => mark(false, true));
      for (const type of DELEGATION_EVENTS) current.addEventListener(type, () => mark(false, false, true));
    };

    connect();
    return () => {
      source?.close();
      clearTimeout(retryTimer);
      clearTimeout(flushTimer);
    };
  }, [orgSlug, queryClient]);

  return <LiveStatusContext.Provider value={status}>{children}</LiveStatusContext.Provider>;
}
