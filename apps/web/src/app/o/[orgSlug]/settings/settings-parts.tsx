"use client";

import type { OrgSettings, SsoDomainClaim } from "@gatehouse/contracts";
import type { SsoDefaultRole } from "@gatehouse/core";
import type { ReactNode } from "react";
import { Button } from "@/components/button";

// The pieces every section of the settings page is made of: what the page gives it, its frame, a labelled
// text field with its hint or error, and the save row (button, then the refusal or "Saved.").

/** What the page loads for its sections: every section gets all of it and reads what it needs. */
export interface SectionProps {
  orgSlug: string;
  org: { name: string; slug: string };
  settings: OrgSettings;
  /** org.write: the name and the slug. */
  canWriteOrg: boolean;
  /** settings.write: every other section. */
  canWriteSettings: boolean;
  /** audit.retention: setting or shortening a retention (it removes evidence, as an erasure does); keeping more needs settings.write alone. */
  canShortenRetention: boolean;
  /** The content rules of an org that never changed them, as core's schema fills them in. */
  contentDefaults: OrgSettings["content"];
  sso: {
    /** Each claimed domain, whether it is proved, and its DNS TXT record. */
    claims: readonly SsoDomainClaim[];
    /** Whether the instance has an OpenID Connect provider (AUTH_OIDC_*): without one nobody can sign in with SSO. */
    configured: boolean;
    /** The domain of the signed-in member's email (the domains field's placeholder). */
    ownDomain: string;
    /** The roles SSO may give (SSO_DEFAULT_ROLES; passed in so the client bundle needs no @gatehouse/core code). */
    roles: readonly SsoDefaultRole[];
  };
}

export const SECTION = "rounded-xl border border-stone-200 bg-white p-5";

/** A setting that is on or off: its box and label, and what it does below them when there is more to say. */
export function CheckboxField({
  id,
  label,
  checked,
  onChange,
  disabled,
  hint,
}: {
  id: string;
  label: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled: boolean;
  hint?: ReactNode;
}) {
  const box = (
    <label className="flex items-center gap-2 text-sm font-medium text-stone-700">
      <input type="checkbox" id={id} checked={checked} disabled={disabled} onChange={(event) => onChange(event.target.checked)} />
      {label}
    </label>
  );
  if (hint === undefined) return box;
  return (
    <div className="space-y-1">
      {box}
      <p className="text-xs text-stone-500">{hint}</p>
    </div>
  );
}

export function Field({
  id,
  label,
  value,
  onChange,
  error,
  hint,
  disabled,
  type = "text",
  placeholder,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error: string | null;
  hint?: string;
  disabled: boolean;
  type?: string;
  placeholder?: string;
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
        placeholder={placeholder}
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

/** The section's save button and what came of the last save (a refusal not shown at a field, or "Saved."). */
export function SaveRow({
  pending,
  disabled = false,
  error,
  saved,
  fieldNamed,
  children = "Save",
}: {
  pending: boolean;
  disabled?: boolean;
  error: Error | null;
  saved: string | null;
  fieldNamed: boolean;
  children?: ReactNode;
}) {
  return (
    <div className="flex items-center gap-3">
      <Button type="submit" variant="primary" disabled={pending || disabled}>
        {pending ? "Saving…" : children}
      </Button>
      <Outcome error={error} saved={saved} fieldNamed={fieldNamed} />
    </div>
  );
}
