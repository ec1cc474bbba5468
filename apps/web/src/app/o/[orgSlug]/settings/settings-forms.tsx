"use client";

import type { OrgSettings } from "@gatehouse/contracts";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/button";
import { fieldError, updateOrg, updateSettings } from "@/lib/admin-api";

interface Props {
  orgSlug: string;
  org: { name: string; slug: string };
  settings: OrgSettings;
  canWriteOrg: boolean;
  canWriteSettings: boolean;
}

function Field({
  id,
  label,
  value,
  onChange,
  error,
  hint,
  disabled,
  type = "text",
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error: string | null;
  hint?: string;
  disabled: boolean;
  type?: string;
}) {
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-stone-700">
        {label}
      </label>
      <input
        id={id}
        type={type}
        value={value}
        disabled={disabled}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : hint ? `${id}-hint` : undefined}
        className={`block w-full max-w-md rounded-md border bg-white px-3 py-1.5 text-sm disabled:bg-stone-50 ${error ? "border-red-400" : "border-stone-300"}`}
      />
      {error ? (
        <p id={`${id}-error`} className="text-xs text-red-700">
          {label} {error}
        </p>
      ) : hint ? (
        <p id={`${id}-hint`} className="text-xs text-stone-500">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

function Outcome({ error, saved, fieldNamed }: { error: Error | null; saved: string | null; fieldNamed: boolean }) {
  if (error && !fieldNamed)
    return (
      <p role="alert" className="text-sm text-red-700">
        {error.message}
      </p>
    );
  if (saved)
    return (
      <p role="status" className="text-sm text-emerald-700">
        {saved}
      </p>
    );
  return null;
}

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
  const breaker = settings.circuitBreaker;
  const [threshold, setThreshold] = useState(String(breaker.failureThreshold));
  const [windowSeconds, setWindowSeconds] = useState(String(breaker.windowSeconds));
  const [cooldown, setCooldown] = useState(String(breaker.cooldownSeconds));
  const [savedBreaker, setSavedBreaker] = useState<string | null>(null);
  const breakerSave = useMutation({
    mutationFn: () => updateSettings(orgSlug, { circuitBreaker: { failureThreshold: Number(threshold), windowSeconds: Number(windowSeconds), cooldownSeconds: Number(cooldown) } }),
    onSuccess: (saved) => {
      setThreshold(String(saved.circuitBreaker.failureThreshold));
      setWindowSeconds(String(saved.circuitBreaker.windowSeconds));
      setCooldown(String(saved.circuitBreaker.cooldownSeconds));
      setSavedBreaker("Saved. Every API instance applies the new thresholds from its next request.");
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
  const nameError = fieldError(orgSave.error, "name");
  const slugError = fieldError(orgSave.error, "slug");
  const breakerErrors = {
    failureThreshold: fieldError(breakerSave.error, "circuitBreaker.failureThreshold"),
    windowSeconds: fieldError(breakerSave.error, "circuitBreaker.windowSeconds"),
    cooldownSeconds: fieldError(breakerSave.error, "circuitBreaker.cooldownSeconds"),
  };

  return (
    <div className="max-w-3xl space-y-10">
      <h1 className="text-xl font-semibold">Settings</h1>
      <section aria-labelledby="org-heading" className="rounded-xl border border-stone-200 bg-white p-5">
        <h2 id="org-heading" className="text-lg font-semibold">
          Organization
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
            <div className="flex items-center gap-3">
              <Button type="submit" variant="primary" disabled={orgSave.isPending || (name === org.name && slug === org.slug)}>
                {orgSave.isPending ? "Saving…" : "Save"}
              </Button>
              <Outcome error={orgSave.error} saved={savedOrg} fieldNamed={Boolean(nameError || slugError)} />
            </div>
          ) : null}
        </form>
      </section>
      <section aria-labelledby="breaker-heading" className="rounded-xl border border-stone-200 bg-white p-5">
        <h2 id="breaker-heading" className="text-lg font-semibold">
          Circuit breaker
        </h2>
        <p className="mt-1 text-sm text-stone-600">An agent whose actions fail this many times within the window is paused for the cooldown, then let through again.</p>
        <form onSubmit={submitBreaker} noValidate className="mt-4 space-y-4">
          <Field
            id="breaker-threshold"
            label="Failure threshold"
            type="number"
            value={threshold}
            onChange={setThreshold}
            error={breakerErrors.failureThreshold}
            disabled={!canWriteSettings}
            hint="Failures, 1–10,000."
          />
          <Field
            id="breaker-window"
            label="Window (seconds)"
            type="number"
            value={windowSeconds}
            onChange={setWindowSeconds}
            error={breakerErrors.windowSeconds}
            disabled={!canWriteSettings}
            hint="1–86,400 s."
          />
          <Field
            id="breaker-cooldown"
            label="Cooldown (seconds)"
            type="number"
            value={cooldown}
            onChange={setCooldown}
            error={breakerErrors.cooldownSeconds}
            disabled={!canWriteSettings}
            hint="1–86,400 s."
          />
          {canWriteSettings ? (
            <div className="flex items-center gap-3">
              <Button type="submit" variant="primary" disabled={breakerSave.isPending}>
                {breakerSave.isPending ? "Saving…" : "Save"}
              </Button>
              <Outcome error={breakerSave.error} saved={savedBreaker} fieldNamed={Object.values(breakerErrors).some(Boolean)} />
            </div>
          ) : null}
        </form>
      </section>
    </div>
  );
}
