"use client";

import { useRouter } from "next/navigation";
import { updateOrg } from "@/lib/admin-api";
import { useSettingSection } from "@/lib/use-setting-section";
import { Field, SaveRow, SECTION, type SectionProps } from "../settings-parts";

/** Settings → General: the org's name and slug (org.write). A new slug moves the page to the new URL. */
export function GeneralSection({ orgSlug, org, canWriteOrg }: SectionProps) {
  const router = useRouter();
  const section = useSettingSection({
    server: { name: org.name, slug: org.slug },
    // Only what changed is sent: an unchanged slug is not checked again.
    save: (draft, base) => updateOrg(orgSlug, { ...(draft.name !== base.name ? { name: draft.name } : {}), ...(draft.slug !== base.slug ? { slug: draft.slug } : {}) }),
    outcome: (updated) => ({ values: { name: updated.name, slug: updated.slug }, message: "Saved." }),
    fields: ["name", "slug"],
    onSaved: (updated) => {
      if (updated.slug !== orgSlug) router.replace(`/o/${encodeURIComponent(updated.slug)}/settings`);
      else router.refresh();
    },
  });

  return (
    <section aria-labelledby="org-heading" className={SECTION}>
      <h2 id="org-heading" className="text-lg font-semibold">
        General
      </h2>
      {canWriteOrg ? null : <p className="mt-1 text-sm text-stone-600">Only a member with the permission to rename the organization can change these.</p>}
      <form onSubmit={section.submit} noValidate className="mt-4 space-y-4">
        <Field id="org-name" label="Name" value={section.draft.name} onChange={(name) => section.set({ name })} error={section.errorAt("name")} disabled={!canWriteOrg} />
        <Field
          id="org-slug"
          label="Slug"
          value={section.draft.slug}
          onChange={(slug) => section.set({ slug })}
          error={section.errorAt("slug")}
          disabled={!canWriteOrg}
          hint="Part of every console URL of the organization: links with the old slug stop working. API keys are unaffected."
        />
        {canWriteOrg ? <SaveRow {...section.saveRow} disabled={!section.dirty} /> : null}
      </form>
    </section>
  );
}
