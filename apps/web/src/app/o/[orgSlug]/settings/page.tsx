import type { Metadata } from "next";
import { getOrg, getOrgSettings, hasPermission, listSsoDomains } from "@gatehouse/db";
import { contentSettings, emailDomain, SSO_DEFAULT_ROLES } from "@gatehouse/core";
import { oidcConfig } from "@/env";
import { getOrgContextOrNotFound } from "@/server/org";
import { requireSessionUser } from "@/server/session";
import { DangerZone } from "./danger-zone";
import { SettingsForms } from "./settings-forms";
import { SectionIndex } from "./section-index";
import { DetectorsSection } from "./sections/detectors-section";

export const metadata: Metadata = { title: "Settings" };

type Params = Promise<{ orgSlug: string }>;

// Sections, in order: the org's settings — General (name, slug), Approvals (default timeout), Circuit breaker,
// …, Secrets and personal data, Sign-in, as SettingsForms lists them — then the Danger zone (owners: closing the org).
const SECTIONS_ID = "settings-sections";

export default async function SettingsPage({ params }: { params: Params }) {
  const { orgSlug } = await params;
  const user = await requireSessionUser();
  const ctx = await getOrgContextOrNotFound(user.id, orgSlug);
  const role = ctx.actor.type === "user" ? ctx.actor.role : null;
  const [org, settings, claims] = await Promise.all([getOrg({ ctx }), getOrgSettings({ ctx }), listSsoDomains({ ctx })]);
  return (
    // Wide screens: the index beside the sections, and on the widest the sections in two columns (each kept whole);
    // narrow ones: the index as a row of links above one column.
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Settings</h1>
      <div className="space-y-6 xl:grid xl:grid-cols-[minmax(0,1fr)_11rem] xl:gap-10 xl:space-y-0">
        <div className="xl:col-start-2 xl:row-start-1">
          <SectionIndex containerId={SECTIONS_ID} />
        </div>
        <div
          id={SECTIONS_ID}
          className="max-w-3xl space-y-10 xl:col-start-1 xl:row-start-1 2xl:max-w-none 2xl:columns-2 2xl:gap-8 2xl:space-y-0 2xl:[&>*]:mb-8 2xl:[&>*]:break-inside-avoid"
        >
          <SettingsForms
            orgSlug={orgSlug}
            org={{ name: org.name, slug: org.slug }}
            settings={settings}
            canWriteOrg={role !== null && hasPermission(role, "org.write")}
            canWriteSettings={role !== null && hasPermission(role, "settings.write")}
            canShortenRetention={role !== null && hasPermission(role, "audit.retention")}
            // The defaults as core's schema fills them in for an org that never set them.
            contentDefaults={contentSettings({})}
            sso={{ claims: claims.domains, configured: oidcConfig() !== null, ownDomain: emailDomain(user.email), roles: SSO_DEFAULT_ROLES }}
          />
          {role !== null && hasPermission(role, "content.detectors") ? <DetectorsSection orgSlug={orgSlug} /> : null}
          {role !== null && hasPermission(role, "org.close") ? <DangerZone orgSlug={org.slug} /> : null}
        </div>
      </div>
    </div>
  );
}
