"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent, type ReactNode } from "react";
import { Button } from "@/components/button";
import { FormAlert } from "@/components/form-fields";
import { useLiveStatus } from "@/components/live-events";
import { RefreshErrorBanner } from "@/components/panel-states";
import { agentKeys, createAgent, type CreatedAgent } from "@/lib/agents";
import { applyStarterPolicy, fetchOnboarding, onboardingKeys, type OnboardingState } from "@/lib/onboarding";
import { AgentSnippets, SecretOnce } from "./agents/secret-once";
import { INPUT_CLASS } from "@/components/form-fields";

/** What the member's role lets them do here; a viewer sees the checklist without its buttons. */
export interface ChecklistAbilities {
  manageAgents: boolean;
  writePolicies: boolean;
}

/**
 * The org home until its onboarding is done: create an agent, copy its key, apply a starter policy,
 * make the first gate() call. Each step is ticked from the org's data; the first call ticks itself
 * when the org's live events announce a decision (LiveEvents refetches the state), then the page
 * says "You're set up" (the next visit to the home shows the overview).
 */
export function OnboardingChecklist({ orgSlug, initial, can, apiUrl }: { orgSlug: string; initial: OnboardingState; can: ChecklistAbilities; apiUrl: string }) {
  const queryClient = useQueryClient();
  const live = useLiveStatus();
  const query = useQuery({ queryKey: onboardingKeys.state(orgSlug), queryFn: ({ signal }) => fetchOnboarding(orgSlug, signal), initialData: initial });
  const [created, setCreated] = useState<CreatedAgent | null>(null);
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: onboardingKeys.state(orgSlug) });
  };
  const create = useMutation({
    mutationFn: (name: string) => createAgent(orgSlug, { name, labels: {} }),
    onSuccess: (agent) => {
      setCreated(agent);
      refresh();
      void queryClient.invalidateQueries({ queryKey: agentKeys.all(orgSlug) });
    },
  });
  const starter = useMutation({ mutationFn: () => applyStarterPolicy(orgSlug), onSuccess: refresh });

  const { steps, done, agent } = query.data;
  const base = `/o/${encodeURIComponent(orgSlug)}`;
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    create.mutate(String(new FormData(event.currentTarget).get("name") ?? "").trim());
  };

  if (done) {
    return (
      <section aria-label="You're set up" className="max-w-3xl space-y-4 rounded-xl border border-emerald-200 bg-emerald-50 p-6">
        <h1 className="text-xl font-semibold text-emerald-950">You&apos;re set up</h1>
        <p className="text-sm text-emerald-900">Your agent asked Gatehouse before acting, and the decision is in the audit log. Next:</p>
        <ul className="list-disc space-y-1 pl-5 text-sm text-emerald-900">
          <li>
            <Link className="font-medium underline" href={`${base}/approvals`}>
              Approvals
            </Link>{" "}
            — actions waiting for a person, decided here as they arrive.
          </li>
          <li>
            <Link className="font-medium underline" href={`${base}/members`}>
              Members
            </Link>{" "}
            — invite the colleagues who approve and audit.
          </li>
          <li>
            <Link className="font-medium underline" href={`${base}/agents`}>
              Agents
            </Link>{" "}
            — more agents, keys, halting one.
          </li>
          <li>
            <Link className="font-medium underline" href={can.writePolicies ? `${base}/policies/draft` : `${base}/policies`}>
              Policies
            </Link>{" "}
            —{" "}
            {can.writePolicies
              ? "change them in the policy editor: test a draft, replay it against real decisions, then publish."
              : "what decides each call; owners and admins edit them."}
          </li>
        </ul>
        <div className="flex flex-wrap gap-2">
          {/* A full load: the home renders the overview in place of this checklist now. */}
          <a href={base} className="inline-flex rounded-md bg-emerald-800 px-3 py-1.5 text-sm font-medium text-white hover:bg-emerald-900">
            Go to the overview
          </a>
          <Link href={`${base}/audit`} className="inline-flex rounded-md border border-emerald-300 bg-white px-3 py-1.5 text-sm font-medium text-emerald-900 hover:bg-emerald-100">
            Go to the audit log
          </Link>
        </div>
      </section>
    );
  }

  return (
    <section aria-label="Get started" className="max-w-3xl space-y-6">
      <div>
        <h1 className="text-xl font-semibold">Get started</h1>
        <p className="mt-1 text-sm text-stone-600">Four steps from a new organization to an agent that asks before it acts. Each one ticks itself as it happens.</p>
      </div>
      <RefreshErrorBanner what="the checklist" error={query.error} onRetry={() => void query.refetch()} />
      <ol className="space-y-4">
        <Step title="Create an agent" done={steps.agentCreated}>
          {steps.agentCreated ? (
            <p>
              {agent ? <strong className="font-medium">{agent.name}</strong> : "An agent"} exists.{" "}
              <Link className="underline" href={`${base}/agents`}>
                See the agents
              </Link>
            </p>
          ) : can.manageAgents ? (
            <form onSubmit={submit} aria-label="New agent" className="flex max-w-md flex-wrap items-end gap-2">
              {create.error ? <FormAlert>{create.error.message}</FormAlert> : null}
              <label className="block flex-1 space-y-1 text-sm font-medium text-stone-700">
                <span>Agent name</span>
                <input name="name" required maxLength={100} pattern="[A-Za-z0-9][A-Za-z0-9._\-]*" placeholder="deploy-bot" className={INPUT_CLASS} />
              </label>
              <Button type="submit" variant="primary" disabled={create.isPending}>
                {create.isPending ? "Creating…" : "Create agent"}
              </Button>
            </form>
          ) : (
            <p>An owner or admin creates the org&apos;s agents.</p>
          )}
        </Step>
        <Step title="Copy its key" done={steps.keyIssued}>
          {created ? (
            <SecretOnce title={`The key of ${created.name}`} secret={created.apiKey} />
          ) : steps.keyIssued ? (
            <p>
              The key was shown once when it was issued. Lost it? Issue another on{" "}
              {agent ? (
                <Link className="underline" href={`${base}/agents/${agent.id}`}>
                  the agent&apos;s page
                </Link>
              ) : (
                "the agent's page"
              )}
              .
            </p>
          ) : (
            <p>The agent&apos;s key is shown once, right after you create it: copy it then.</p>
          )}
        </Step>
        <Step title="Apply a starter policy" done={steps.policyApplied}>
          <p>Policies decide every call. The starter policy:</p>
          <ul className="mt-1 list-disc space-y-0.5 pl-5">
            <li>
              allows reads: actions ending in <code className="font-mono text-xs">.read</code> or <code className="font-mono text-xs">.list</code>;
            </li>
            <li>
              makes deploys (<code className="font-mono text-xs">deploy.*</code>) and pull-request merges (<code className="font-mono text-xs">pr.merge</code>) wait for one
              approval by an approver, admin or owner;
            </li>
            <li>denies everything else, as Gatehouse does with any action no policy allows.</li>
          </ul>
          {steps.policyApplied ? (
            <p className="mt-2">The org has an active policy.</p>
          ) : can.writePolicies ? (
            <div className="mt-2 space-y-2">
              {starter.error ? <FormAlert>{starter.error.message}</FormAlert> : null}
              <Button variant="primary" disabled={starter.isPending} onClick={() => starter.mutate()}>
                {starter.isPending ? "Applying…" : "Apply the starter policy"}
              </Button>
            </div>
          ) : (
            <p className="mt-2">An owner or admin applies policies.</p>
          )}
        </Step>
        <Step title="Make the first gate() call" done={steps.firstCall}>
          <p>
            Run this where your agent runs. A deploy waits in{" "}
            <Link className="underline" href={`${base}/approvals`}>
              Approvals
            </Link>{" "}
            until someone approves it; then <code className="font-mono text-xs">gate()</code> returns.
          </p>
          {steps.agentCreated ? <AgentSnippets apiUrl={apiUrl} apiKey={created?.apiKey ?? null} /> : null}
          {steps.firstCall ? null : (
            <p role="status" className="mt-2 text-xs text-stone-500">
              {live === "live" ? "Waiting for the first call…" : "Waiting for the first call (reconnecting to live updates)…"}
            </p>
          )}
        </Step>
      </ol>
    </section>
  );
}

function Step({ title, done, children }: { title: string; done: boolean; children: ReactNode }) {
  return (
    <li aria-label={title} className={`rounded-xl border p-4 ${done ? "border-emerald-200 bg-white" : "border-stone-200 bg-white"}`}>
      <div className="flex items-center gap-3">
        <span
          aria-hidden="true"
          className={`grid size-6 shrink-0 place-items-center rounded-full text-xs font-semibold ${done ? "bg-emerald-600 text-white" : "border border-stone-300 text-stone-400"}`}
        >
          {done ? "✓" : ""}
        </span>
        <h2 className="text-sm font-semibold">{title}</h2>
        <span data-testid="step-state" className={`ml-auto text-xs font-medium ${done ? "text-emerald-700" : "text-stone-500"}`}>
          {done ? "Done" : "To do"}
        </span>
      </div>
      <div className="mt-3 pl-9 text-sm text-stone-700">{children}</div>
    </li>
  );
}
