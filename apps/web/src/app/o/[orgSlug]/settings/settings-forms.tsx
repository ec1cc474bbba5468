"use client";

import type { OrgSettings } from "@gatehouse/contracts";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { fieldError, isPendingSettings, pendingSettingsMessage, updateOrg, updateSettings } from "@/lib/admin-api";
import { Field, SaveRow, SECTION } from "./settings-parts";

interface Props {
  orgSlug: string;
  org: { name: string; slug: string };
  settings: OrgSettings;
  canWriteOrg: boolean;
  canWriteSettings: boolean;
}

/** The frame of each section of the settings page. */
type BreakerKey = keyof OrgSettings["circuitBreaker"];

/** The circuit breaker's three numbers: one field each, the same markup. */
const BREAKER_FIELDS: ReadonlyArray<{ key: BreakerKey; id: string; label: string; hint: string }> = [
  { key: "failureThreshold", id: "breaker-threshold", label: "Failure threshold", hint: "Failures, 1–10,000." },
  { key: "windowSeconds", id: "breaker-window", label: "Window (seconds)", hint: "1–86,400 s." },
  { key: "cooldownSeconds", id: "breaker-cooldown", label: "Cooldown (seconds)", hint: "1–86,400 s." },
];

const breakerValues = (settings: OrgSettings): Record<BreakerKey, string> => ({
  failureThreshold: String(settings.circuitBreaker.failureThreshold),
  windowSeconds: String(settings.circuitBreaker.windowSeconds),
  cooldownSeconds: String(settings.circuitBreaker.cooldownSeconds),
});

const loopValues = (settings: OrgSettings) => ({
  enabled: settings.loops.enabled,
  maxRepeats: String(settings.loops.maxRepeats),
  windowSeconds: String(settings.loops.windowSeconds),
  haltAgent: settings.loops.haltAgent,
});

export function SettingsForms({ orgSlug, org, settings, canWriteOrg, canWriteSettings }: Props) {
  const router = useRouter();
  const [name, setName] = useState(org.name);
  const [slug, setSlug] = useState(org.slug);
  const [savedOrg, setSavedOrg] = useState<string | null>(null);
  const orgSave = useMutation({
    mutationFn: () => updateOrg(orgSlug, { ...(name !== org.name ? { name } : {}), ...(slug !== org.slug ? { slug } : {}) }),
    onSuccess: (updated) => {
      setSavedOrg("Saved.");
      if (updated.slug !== orgSlug) router.replace(`/o/${encodeURIComponent(updated.slug)}/settings`);
      else router.refresh();
    },
  });
  const [breaker, setBreaker] = useState(() => breakerValues(settings));
  const [savedBreaker, setSavedBreaker] = useState<string | null>(null);
  const breakerSave = useMutation({
    mutationFn: () =>
      updateSettings(orgSlug, {
        circuitBreaker: { failureThreshold: Number(breaker.failureThreshold), windowSeconds: Number(breaker.windowSeconds), cooldownSeconds: Number(breaker.cooldownSeconds) },
      }),
    onSuccess: (saved) => {
      if (isPendingSettings(saved)) return setSavedBreaker(pendingSettingsMessage(saved));
      setBreaker(breakerValues(saved));
      setSavedBreaker("Saved. Every API instance applies the new thresholds from its next request.");
    },
  });
  const [approvalTimeout, setApprovalTimeout] = useState(String(settings.approvalTimeoutSeconds));
  const [savedTimeout, setSavedTimeout] = useState<string | null>(null);
  const timeoutSave = useMutation({
    mutationFn: () => updateSettings(orgSlug, { approvalTimeoutSeconds: Number(approvalTimeout) }),
    onSuccess: (saved) => {
      if (isPendingSettings(saved)) return setSavedTimeout(pendingSettingsMessage(saved));
      setApprovalTimeout(String(saved.approvalTimeoutSeconds));
      setSavedTimeout("Saved. New approvals whose policy sets no timeout wait this long.");
    },
  });

  const [haltOnAnomaly, setHaltOnAnomaly] = useState(settings.anomaly.haltAgent);
  const [savedAnomaly, setSavedAnomaly] = useState<string | null>(null);
  const anomalySave = useMutation({
    mutationFn: () => updateSettings(orgSlug, { anomaly: { haltAgent: haltOnAnomaly } }),
    onSuccess: (saved) => {
      if (isPendingSettings(saved)) return setSavedAnomaly(pendingSettingsMessage(saved));
      setHaltOnAnomaly(saved.anomaly.haltAgent);
      setSavedAnomaly(saved.anomaly.haltAgent ? "Saved. An agent is halted when an anomaly is detected in its traffic." : "Saved. Anomalies are reported; agents keep running.");
    },
  });

  const [loops, setLoops] = useState(() => loopValues(settings));
  const [savedLoops, setSavedLoops] = useState<string | null>(null);
  const loopsSave = useMutation({
    mutationFn: () =>
      updateSettings(orgSlug, {
        loops: { enabled: loops.enabled, maxRepeats: Number(loops.maxRepeats), windowSeconds: Number(loops.windowSeconds), haltAgent: loops.haltAgent },
      }),
    onSuccess: (saved) => {
      if (isPendingSettings(saved)) return setSavedLoops(pendingSettingsMessage(saved));
      setLoops(loopValues(saved));
      setSavedLoops(
        saved.loops.enabled
          ? `Saved. The same call more than ${saved.loops.maxRepeats} times within ${saved.loops.windowSeconds} s is refused${saved.loops.haltAgent ? ", and the agent halted" : ""}.`
          : "Saved. Repeated calls are not refused, except where a policy sets its own loop limit.",
      );
    },
  });
  const submitLoops = (event: FormEvent) => {
    event.preventDefault();
    setSavedLoops(null);
    loopsSave.mutate();
  };
  const loopErrors = { maxRepeats: fieldError(loopsSave.error, "loops.maxRepeats"), windowSeconds: fieldError(loopsSave.error, "loops.windowSeconds") };

  const [haltOnPostCondition, setHaltOnPostCondition] = useState(settings.postConditions.haltAgent);
  const [savedPostConditions, setSavedPostConditions] = useState<string | null>(null);
  const postConditionsSave = useMutation({
    mutationFn: () => updateSettings(orgSlug, { postConditions: { haltAgent: haltOnPostCondition } }),
    onSuccess: (saved) => {
      if (isPendingSettings(saved)) return setSavedPostConditions(pendingSettingsMessage(saved));
      setHaltOnPostCondition(saved.postConditions.haltAgent);
      setSavedPostConditions(
        saved.postConditions.haltAgent
          ? "Saved. An agent whose outcome breaks a post-condition is halted."
          : "Saved. A broken post-condition is recorded and streamed; the agent keeps running.",
      );
    },
  });
  const submitPostConditions = (event: FormEvent) => {
    event.preventDefault();
    setSavedPostConditions(null);
    postConditionsSave.mutate();
  };

  const [reportOnly, setReportOnly] = useState(settings.policies.reportOnly);
  const [requireSecondApproval, setRequireSecondApproval] = useState(settings.policies.requireSecondApproval);
  const [savedPolicies, setSavedPolicies] = useState<string | null>(null);
  const policiesSave = useMutation({
    mutationFn: () => updateSettings(orgSlug, { policies: { reportOnly, requireSecondApproval } }),
    onSuccess: (saved) => {
      if (isPendingSettings(saved)) return setSavedPolicies(pendingSettingsMessage(saved));
      setReportOnly(saved.policies.reportOnly);
      setRequireSecondApproval(saved.policies.requireSecondApproval);
      setSavedPolicies(
        saved.policies.reportOnly
          ? "Saved. Report-only is on: what policies would deny or hold is executed and recorded with what it would have been."
          : "Saved. Policies are enforced as published.",
      );
    },
  });

  const submitOrg = (event: FormEvent) => {
    event.preventDefault();
    setSavedOrg(null);
    orgSave.mutate();
  };
  const submitBreaker = (event: FormEvent) => {
    event.preventDefault();
    setSavedBreaker(null);
    breakerSave.mutate();
  };
  const submitAnomaly = (event: FormEvent) => {
    event.preventDefault();
    setSavedAnomaly(null);
    anomalySave.mutate();
  };
  const submitPolicies = (event: FormEvent) => {
    event.preventDefault();
    setSavedPolicies(null);
    policiesSave.mutate();
  };
  const submitTimeout = (event: FormEvent) => {
    event.preventDefault();
    setSavedTimeout(null);
    timeoutSave.mutate();
  };
  const timeoutError = fieldError(timeoutSave.error, "approvalTimeoutSeconds");
  const nameError = fieldError(orgSave.error, "name");
  const slugError = fieldError(orgSave.error, "slug");
  const breakerErrors = Object.fromEntries(BREAKER_FIELDS.map((f) => [f.key, fieldError(breakerSave.error, `circuitBreaker.${f.key}`)])) as Record<BreakerKey, string | null>;

  return (
    <>
      <section aria-labelledby="org-heading" className={SECTION}>
        <h2 id="org-heading" className="text-lg font-semibold">
          General
        </h2>
        {canWriteOrg ? null : <p className="mt-1 text-sm text-stone-600">Only a member with the permission to rename the organization can change these.</p>}
        <form onSubmit={submitOrg} noValidate className="mt-4 space-y-4">
          <Field id="org-name" label="Name" value={name} onChange={setName} error={nameError} disabled={!canWriteOrg} />
          <Field
            id="org-slug"
            label="Slug"
            value={slug}
            onChange={setSlug}
            error={slugError}
            disabled={!canWriteOrg}
            hint="Part of every console URL of the organization: links with the old slug stop working. API keys are unaffected."
          />
          {canWriteOrg ? (
            <SaveRow
              pending={orgSave.isPending}
              disabled={name === org.name && slug === org.slug}
              error={orgSave.error}
              saved={savedOrg}
              fieldNamed={Boolean(nameError || slugError)}
            />
          ) : null}
        </form>
      </section>
      <section aria-labelledby="approvals-heading" className={SECTION}>
        <h2 id="approvals-heading" className="text-lg font-semibold">
          Approvals
        </h2>
        <p className="mt-1 text-sm text-stone-600">How long an approval waits for a decision before it expires, when its policy does not set its own timeoutSeconds.</p>
        <form onSubmit={submitTimeout} noValidate className="mt-4 space-y-4">
          <Field
            id="approval-timeout"
            label="Default approval timeout (seconds)"
            type="number"
            value={approvalTimeout}
            onChange={setApprovalTimeout}
            error={timeoutError}
            disabled={!canWriteSettings}
            hint="60–604,800 s (7 days). 3,600 s is an hour. Approvals already waiting keep their deadline."
          />
          {canWriteSettings ? <SaveRow pending={timeoutSave.isPending} error={timeoutSave.error} saved={savedTimeout} fieldNamed={Boolean(timeoutError)} /> : null}
        </form>
      </section>
      <section aria-labelledby="breaker-heading" className={SECTION}>
        <h2 id="breaker-heading" className="text-lg font-semibold">
          Circuit breaker
        </h2>
        <p className="mt-1 text-sm text-stone-600">An agent whose actions fail this many times within the window is paused for the cooldown, then let through again.</p>
        <form onSubmit={submitBreaker} noValidate className="mt-4 space-y-4">
          {BREAKER_FIELDS.map((field) => (
            <Field
              key={field.key}
              id={field.id}
              label={field.label}
              type="number"
              value={breaker[field.key]}
              onChange={(value) => setBreaker((current) => ({ ...current, [field.key]: value }))}
              error={breakerErrors[field.key]}
              disabled={!canWriteSettings}
              hint={field.hint}
            />
          ))}
          {canWriteSettings ? (
            <SaveRow pending={breakerSave.isPending} error={breakerSave.error} saved={savedBreaker} fieldNamed={Object.values(breakerErrors).some(Boolean)} />
          ) : null}
        </form>
      </section>
      <section aria-labelledby="anomalies-heading" className={SECTION}>
        <h2 id="anomalies-heading" className="text-lg font-semibold">
          Anomalies
        </h2>
        <p className="mt-1 text-sm text-stone-600">
          Every minute, each agent&apos;s last five minutes are compared with the hour before them: a call rate five times its usual, or a denial share of half its calls and three
          times its usual, is reported as an anomaly in the audit log and the live events.
        </p>
        <form onSubmit={submitAnomaly} noValidate className="mt-4 space-y-4">
          <div className="space-y-1">
            <label className="flex items-center gap-2 text-sm font-medium text-stone-700">
              <input type="checkbox" id="anomaly-halt" checked={haltOnAnomaly} disabled={!canWriteSettings} onChange={(event) => setHaltOnAnomaly(event.target.checked)} />
              Halt the agent when an anomaly is detected
            </label>
            <p className="text-xs text-stone-500">The halt is audited with the anomaly as its reason; a member resumes the agent from its page.</p>
          </div>
          {canWriteSettings ? <SaveRow pending={anomalySave.isPending} error={anomalySave.error} saved={savedAnomaly} fieldNamed={false} /> : null}
        </form>
      </section>
      <section aria-labelledby="loops-heading" className={SECTION}>
        <h2 id="loops-heading" className="text-lg font-semibold">
          Loops
        </h2>
        <p className="mt-1 text-sm text-stone-600">
          An agent that asks for the same action with the same arguments — or alternates between two such calls — more often than this within the window is refused (LOOP_DETECTED)
          until the window passes. A policy&apos;s <code className="font-mono text-xs">loop</code> sets its own limit for the calls it matches.
        </p>
        <form onSubmit={submitLoops} noValidate className="mt-4 space-y-4">
          <label className="flex items-center gap-2 text-sm font-medium text-stone-700">
            <input
              type="checkbox"
              id="loops-enabled"
              checked={loops.enabled}
              disabled={!canWriteSettings}
              onChange={(event) => setLoops((l) => ({ ...l, enabled: event.target.checked }))}
            />
            Refuse repeated calls
          </label>
          <Field
            id="loops-max-repeats"
            label="Repeats allowed"
            type="number"
            value={loops.maxRepeats}
            onChange={(value) => setLoops((l) => ({ ...l, maxRepeats: value }))}
            error={loopErrors.maxRepeats}
            disabled={!canWriteSettings || !loops.enabled}
            hint="1–100,000 identical calls (or alternations) within the window; the next is refused. 20 unless changed."
          />
          <Field
            id="loops-window"
            label="Window (seconds)"
            type="number"
            value={loops.windowSeconds}
            onChange={(value) => setLoops((l) => ({ ...l, windowSeconds: value }))}
            error={loopErrors.windowSeconds}
            disabled={!canWriteSettings || !loops.enabled}
            hint="1–3,600 s. 60 unless changed."
          />
          <div className="space-y-1">
            <label className="flex items-center gap-2 text-sm font-medium text-stone-700">
              <input
                type="checkbox"
                id="loops-halt"
                checked={loops.haltAgent}
                disabled={!canWriteSettings || !loops.enabled}
                onChange={(event) => setLoops((l) => ({ ...l, haltAgent: event.target.checked }))}
              />
              Halt the agent when a loop is detected
            </label>
            <p className="text-xs text-stone-500">The halt is audited with the loop as its reason; a member resumes the agent from its page.</p>
          </div>
          {canWriteSettings ? (
            <SaveRow pending={loopsSave.isPending} error={loopsSave.error} saved={savedLoops} fieldNamed={Boolean(loopErrors.maxRepeats || loopErrors.windowSeconds)} />
          ) : null}
        </form>
      </section>
      <section aria-labelledby="postconditions-heading" className={SECTION}>
        <h2 id="postconditions-heading" className="text-lg font-semibold">
          Post-conditions
        </h2>
        <p className="mt-1 text-sm text-stone-600">
          A policy&apos;s <code className="font-mono text-xs">postConditions</code> say what must hold after the calls it matches (
          <code className="font-mono text-xs">outcome.rowsAffected &lt; 100</code>), tested on each reported outcome. A broken one is always recorded, streamed and counted in
          posture.
        </p>
        <form onSubmit={submitPostConditions} noValidate className="mt-4 space-y-4">
          <label className="flex items-center gap-2 text-sm font-medium text-stone-700">
            <input
              type="checkbox"
              id="postconditions-halt"
              checked={haltOnPostCondition}
              disabled={!canWriteSettings}
              onChange={(event) => setHaltOnPostCondition(event.target.checked)}
            />
            Halt an agent whose outcome breaks a post-condition
          </label>
          {canWriteSettings ? <SaveRow pending={postConditionsSave.isPending} error={postConditionsSave.error} saved={savedPostConditions} fieldNamed={false} /> : null}
        </form>
      </section>
      <section aria-labelledby="policies-heading" className={SECTION}>
        <h2 id="policies-heading" className="text-lg font-semibold">
          Policies
        </h2>
        <p className="mt-1 text-sm text-stone-600">
          How policy changes roll out. A single policy can also run in monitor mode (its effect is only recorded); the policies page shows what monitor mode and report-only would
          have blocked.
        </p>
        <form onSubmit={submitPolicies} noValidate className="mt-4 space-y-4">
          <div className="space-y-1">
            <label className="flex items-center gap-2 text-sm font-medium text-stone-700">
              <input type="checkbox" id="policies-report-only" checked={reportOnly} disabled={!canWriteSettings} onChange={(event) => setReportOnly(event.target.checked)} />
              Report-only (trial)
            </label>
            <p className="text-xs text-stone-500">
              What the policies would deny or hold for approval is executed instead, and its audit entry records what it would have been. A halted agent, an open circuit breaker
              and a delegation&apos;s limits still refuse.
            </p>
          </div>
          <div className="space-y-1">
            <label className="flex items-center gap-2 text-sm font-medium text-stone-700">
              <input
                type="checkbox"
                id="policies-second-approval"
                checked={requireSecondApproval}
                disabled={!canWriteSettings}
                onChange={(event) => setRequireSecondApproval(event.target.checked)}
              />
              Require a second admin&apos;s approval to publish
            </label>
            <p className="text-xs text-stone-500">Publishing a policy set waits in the approval queue until another admin approves it.</p>
          </div>
          {canWriteSettings ? <SaveRow pending={policiesSave.isPending} error={policiesSave.error} saved={savedPolicies} fieldNamed={false} /> : null}
        </form>
      </section>
    </>
  );
}
