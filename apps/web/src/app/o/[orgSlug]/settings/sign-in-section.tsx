"use client";

import type { OrgSettings, SsoDomainClaim } from "@gatehouse/contracts";
import type { SsoDefaultRole } from "@gatehouse/core";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/button";
import { CopyButton } from "@/components/text-actions";
import { isPendingSettings, pendingSettingsMessage, updateSignInSettings, verifySsoDomain } from "@/lib/admin-api";
import { ApiError } from "@/lib/api-client";
import { Field, SaveRow, SECTION } from "./settings-parts";

interface Props {
  orgSlug: string;
  signIn: OrgSettings["signIn"];
  /** Each claimed domain, whether it is proved, and its DNS TXT record. */
  claims: readonly SsoDomainClaim[];
  canWrite: boolean;
  /** Whether the instance has an OpenID Connect provider (AUTH_OIDC_*): without one nobody can sign in with SSO. */
  ssoConfigured: boolean;
  /** The domain of the signed-in member's email (the field's placeholder). */
  ownDomain: string;
  /** The roles SSO may give (SSO_DEFAULT_ROLES; passed in so the client bundle needs no @gatehouse/core code). */
  roles: readonly SsoDefaultRole[];
}

/** The first message the refusal gives for `field` or any of its items (signIn.ssoDomains.2). */
function messageFor(error: unknown, field: string): string | null {
  if (!(error instanceof ApiError)) return null;
  const key = Object.keys(error.fields).find((k) => k === field || k.startsWith(`${field}.`));
  return key ? (error.fields[key] ?? null) : null;
}

const parseDomains = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((d) => d.trim())
    .filter(Boolean);

/** Settings → Sign-in (ADR 0012): email domains routed to the org, their role on joining, and "require SSO". */
export function SignInSection({ orgSlug, signIn, claims, canWrite, ssoConfigured, ownDomain, roles }: Props) {
  const router = useRouter();
  const [domains, setDomains] = useState(signIn.ssoDomains.join(", "));
  const [role, setRole] = useState<SsoDefaultRole>(signIn.ssoDefaultRole);
  const [required, setRequired] = useState(signIn.ssoRequired);
  const [saved, setSaved] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: () => updateSignInSettings(orgSlug, { ssoDomains: parseDomains(domains), ssoDefaultRole: role, ssoRequired: required }),
    onSuccess: (settings) => {
      if (isPendingSettings(settings)) return setSaved(pendingSettingsMessage(settings));
      setDomains(settings.signIn.ssoDomains.join(", "));
      setRole(settings.signIn.ssoDefaultRole);
      setRequired(settings.signIn.ssoRequired);
      setSaved("Saved.");
      router.refresh();
    },
  });
  const errors = {
    domains: messageFor(save.error, "signIn.ssoDomains"),
    role: messageFor(save.error, "signIn.ssoDefaultRole"),
    required: messageFor(save.error, "signIn.ssoRequired"),
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(null);
    save.mutate();
  };
  const fieldNamed = Object.values(errors).some(Boolean);

  return (
    <section aria-labelledby="sign-in-heading" className={SECTION}>
      <h2 id="sign-in-heading" className="text-lg font-semibold">
        Sign-in
      </h2>
      <p className="mt-1 text-sm text-stone-600">
        People whose email is at a routed domain and who sign in with single sign-on join this organization with the default role. A removed member is not added again: invite them.
      </p>
      {ssoConfigured ? null : <p className="mt-2 text-sm text-amber-800">Single sign-on is not configured on this instance (AUTH_OIDC_ISSUER), so it cannot be required.</p>}
      <form onSubmit={submit} noValidate className="mt-4 space-y-4">
        <Field
          id="sso-domains"
          label="Email domains"
          value={domains}
          onChange={setDomains}
          error={errors.domains}
          disabled={!canWrite}
          placeholder={ownDomain}
          hint="Comma-separated, at most 20. A domain routes nobody until you prove it with the DNS TXT record shown below; public mail domains (gmail.com, …) cannot be added. A domain routes to the one organization that proved it."
        />
        {claims.length > 0 ? <DomainProofs orgSlug={orgSlug} claims={claims} canWrite={canWrite} /> : null}
        <div className="space-y-1">
          <label htmlFor="sso-default-role" className="block text-sm font-medium text-stone-700">
            Default role
          </label>
          <select
            id="sso-default-role"
            value={role}
            disabled={!canWrite}
            onChange={(event) => setRole(roles.find((r) => r === event.target.value) ?? signIn.ssoDefaultRole)}
            aria-invalid={errors.role ? true : undefined}
            className="block rounded-md border border-stone-300 bg-white px-3 py-1.5 text-sm disabled:bg-stone-50"
          >
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          {errors.role ? <p className="text-xs text-red-700">Default role: {errors.role}</p> : null}
        </div>
        <div className="space-y-1">
          <label className="flex items-center gap-2 text-sm font-medium text-stone-700">
            <input type="checkbox" id="sso-required" checked={required} disabled={!canWrite} onChange={(event) => setRequired(event.target.checked)} />
            Require single sign-on
          </label>
          {errors.required ? (
            <p id="sso-required-error" className="text-xs text-red-700">
              Require single sign-on: {errors.required}
            </p>
          ) : (
            <p className="text-xs text-stone-500">
              Members who signed in with a password cannot use the organization in the console. Owners keep their password (the way in if single sign-on fails), and admin keys keep
              working.
            </p>
          )}
        </div>
        {canWrite ? (
          <SaveRow pending={save.isPending} error={save.error} saved={saved} fieldNamed={fieldNamed}>
            Save sign-in
          </SaveRow>
        ) : null}
      </form>
    </section>
  );
}

/** The claimed domains: proved or not, the TXT record to publish, and "Verify" (settings.write). */
function DomainProofs({ orgSlug, claims, canWrite }: { orgSlug: string; claims: readonly SsoDomainClaim[]; canWrite: boolean }) {
  const router = useRouter();
  const verify = useMutation({ mutationFn: (domain: string) => verifySsoDomain(orgSlug, domain), onSuccess: () => router.refresh() });
  return (
    <ul aria-label="Domain proofs" className="space-y-3">
      {claims.map((claim) => {
        const failed = verify.error && verify.variables === claim.domain ? verify.error.message : null;
        return (
          <li key={claim.domain} aria-label={claim.domain} className="rounded-md border border-stone-200 p-3 text-sm">
            <div className="flex items-center justify-between gap-2">
              <span className="font-mono">{claim.domain}</span>
              <span className={claim.status === "verified" ? "text-emerald-700" : "text-amber-800"}>
                {claim.status === "verified" ? "Verified" : "Not verified: routes nobody"}
              </span>
            </div>
            {claim.status === "pending" ? (
              <div className="mt-2 space-y-1 text-xs text-stone-600">
                <p>Publish this DNS TXT record, then verify:</p>
                <p className="flex items-center gap-2">
                  <code className="rounded bg-stone-50 px-1 font-mono">{claim.record.name}</code>
                  <CopyButton text={claim.record.name} label="Copy name" />
                </p>
                <p className="flex items-center gap-2">
                  <code className="rounded bg-stone-50 px-1 font-mono">{claim.record.value}</code>
                  <CopyButton text={claim.record.value} label="Copy value" />
                </p>
                {canWrite ? (
                  <Button size="sm" disabled={verify.isPending} onClick={() => verify.mutate(claim.domain)}>
                    {verify.isPending && verify.variables === claim.domain ? "Checking…" : `Verify ${claim.domain}`}
                  </Button>
                ) : null}
                {failed ? (
                  <p role="alert" className="text-red-700">
                    {failed}
                  </p>
                ) : null}
              </div>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}
