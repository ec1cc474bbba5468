"use client";

import type { OrgSettings, SsoDomainClaim } from "@gatehouse/contracts";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { Button } from "@/components/button";
import { CopyButton } from "@/components/text-actions";
import { updateSignInSettings, verifySsoDomain } from "@/lib/admin-api";
import { settingsOutcome, useSettingSection } from "@/lib/use-setting-section";
import { Field, SaveRow, SECTION, type SectionProps } from "../settings-parts";

const parseDomains = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((d) => d.trim())
    .filter(Boolean);

const signInValues = (signIn: OrgSettings["signIn"]) => ({ domains: signIn.ssoDomains.join(", "), role: signIn.ssoDefaultRole, required: signIn.ssoRequired });

/** Settings → Sign-in (ADR 0012): email domains routed to the org, their role on joining, and "require SSO". */
export function SignInSection({ orgSlug, settings, canWriteSettings: canWrite, sso }: SectionProps) {
  const router = useRouter();
  const { signIn } = settings;
  const { claims, configured: ssoConfigured, ownDomain, roles } = sso;
  const section = useSettingSection({
    server: signInValues(signIn),
    save: (draft) => updateSignInSettings(orgSlug, { ssoDomains: parseDomains(draft.domains), ssoDefaultRole: draft.role, ssoRequired: draft.required }),
    outcome: settingsOutcome(
      (saved) => signInValues(saved.signIn),
      () => "Saved.",
    ),
    // A refusal of one domain names its item (signIn.ssoDomains.2): errorAt reads it at the field.
    fields: ["signIn.ssoDomains", "signIn.ssoDefaultRole", "signIn.ssoRequired"],
    // The domain proofs below come from the page.
    onSaved: () => router.refresh(),
  });
  const errors = {
    domains: section.errorAt("signIn.ssoDomains"),
    role: section.errorAt("signIn.ssoDefaultRole"),
    required: section.errorAt("signIn.ssoRequired"),
  };
  return (
    <section aria-labelledby="sign-in-heading" className={SECTION}>
      <h2 id="sign-in-heading" className="text-lg font-semibold">
        Sign-in
      </h2>
      <p className="mt-1 text-sm text-stone-600">
        People whose email is at a routed domain and who sign in with single sign-on join this organization with the default role. A removed member is not added again: invite them.
      </p>
      {ssoConfigured ? null : <p className="mt-2 text-sm text-amber-800">Single sign-on is not configured on this instance (AUTH_OIDC_ISSUER), so it cannot be required.</p>}
      <form onSubmit={section.submit} noValidate className="mt-4 space-y-4">
        <Field
          id="sso-domains"
          label="Email domains"
          value={section.draft.domains}
          onChange={(domains) => section.set({ domains })}
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
            value={section.draft.role}
            disabled={!canWrite}
            onChange={(event) => section.set({ role: roles.find((r) => r === event.target.value) ?? signIn.ssoDefaultRole })}
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
            <input type="checkbox" id="sso-required" checked={section.draft.required} disabled={!canWrite} onChange={(event) => section.set({ required: event.target.checked })} />
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
        {canWrite ? <SaveRow {...section.saveRow}>Save sign-in</SaveRow> : null}
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
