"use client";

import { useRef, useState, type KeyboardEvent } from "react";
import { replaceSearchParams } from "@/lib/address-bar";
import type { AuditFilters } from "@/lib/api-client";
import { AUDIT_TABS, type AuditPage, type AuditTab } from "@/lib/audit";
import { AuditLog, type AgentOption } from "./audit-log";
import { CheckpointsPanel } from "./checkpoints-panel";
import { ExportPanel } from "./export-panel";
import { ReportsPanel } from "./reports-panel";
import { KeysPanel } from "./keys-panel";
import { VerifyPanel } from "./verify-panel";

interface AuditExplorerProps {
  orgSlug: string;
  initialTab: AuditTab;
  /** Filters of the first page, from the URL. */
  filters: AuditFilters;
  agents: AgentOption[];
  initialPage: AuditPage;
  renderedAt: number;
  apiUrl: string | null;
  /** Members the page can name (membership id → email), for the Actor column. */
  members: ReadonlyArray<{ id: string; label: string }>;
  canRotateKeys: boolean;
  /** Whether the member holds audit.verify / audit.export (owners, admins, auditors). */
  canVerify: boolean;
  canExport: boolean;
  /** Whether the member holds audit.erase (owners): "Erase personal data" on the Entries tab. */
  canErase: boolean;
  /** The entry shown open first (`?entry=`). */
  initialEntry: string | null;
}

/** In place of a panel the member's role does not allow. */
function NotAllowed({ what, permission }: { what: string; permission: "audit.verify" | "audit.export" }) {
  return (
    <p className="mt-4 max-w-3xl text-sm text-stone-600">
      {what} needs the permission <code>{permission}</code>, which owners, admins and auditors hold. Ask one of them, or use the Entries tab to check single entries.
    </p>
  );
}

const TAB_LABELS: Record<AuditTab, string> = {
  entries: "Entries",
  verify: "Verify",
  checkpoints: "Checkpoints",
  export: "Export",
  reports: "Reports",
  keys: "Keys",
};

/**
 * The Audit page: the entries with their inclusion proofs, a verification of the whole log, the
 * signed checkpoints, exports to verify offline, evidence reports, and the public keys that make that possible.
 */
export function AuditExplorer({
  orgSlug,
  initialTab,
  filters,
  agents,
  initialPage,
  renderedAt,
  apiUrl,
  members,
  canRotateKeys,
  canVerify,
  canExport,
  canErase,
  initialEntry,
}: AuditExplorerProps) {
  const [tab, setTab] = useState<AuditTab>(initialTab);
  // A section stays mounted once opened, so a running verification survives a look at another tab.
  const [opened, setOpened] = useState<ReadonlySet<AuditTab>>(() => new Set([initialTab]));
  const tabRefs = useRef(new Map<AuditTab, HTMLButtonElement>());

  const open = (next: AuditTab, focus = false) => {
    setTab(next);
    setOpened((previous) => (previous.has(next) ? previous : new Set([...previous, next])));
    replaceSearchParams({ tab: next === "entries" ? undefined : next });
    if (focus) tabRefs.current.get(next)?.focus();
  };

  // WAI-ARIA tabs: arrows move along the tabs (and open them), Home and End go to either end.
  const onTabKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    const index = AUDIT_TABS.indexOf(tab);
    const target =
      event.key === "ArrowRight"
        ? AUDIT_TABS[(index + 1) % AUDIT_TABS.length]
        : event.key === "ArrowLeft"
          ? AUDIT_TABS[(index - 1 + AUDIT_TABS.length) % AUDIT_TABS.length]
          : event.key === "Home"
            ? AUDIT_TABS[0]
            : event.key === "End"
              ? AUDIT_TABS[AUDIT_TABS.length - 1]
              : undefined;
    if (!target) return;
    event.preventDefault();
    open(target, true);
  };

  const panel = (value: AuditTab) => {
    switch (value) {
      case "entries":
        return (
          <AuditLog
            orgSlug={orgSlug}
            filters={filters}
            agents={agents}
            initialPage={initialPage}
            renderedAt={renderedAt}
            apiUrl={apiUrl}
            members={members}
            initialOpen={initialEntry}
            canErase={canErase}
          />
        );
      case "verify":
        return canVerify ? <VerifyPanel orgSlug={orgSlug} /> : <NotAllowed what="Verifying the whole log on the server" permission="audit.verify" />;
      case "checkpoints":
        return <CheckpointsPanel orgSlug={orgSlug} />;
      case "export":
        return canExport ? (
          <ExportPanel orgSlug={orgSlug} agents={agents} onOpenKeys={() => open("keys", true)} />
        ) : (
          <NotAllowed what="Exporting the log" permission="audit.export" />
        );
      case "reports":
        return canExport ? <ReportsPanel orgSlug={orgSlug} /> : <NotAllowed what="Producing a report from the log" permission="audit.export" />;
      case "keys":
        return <KeysPanel orgSlug={orgSlug} canRotate={canRotateKeys} />;
    }
  };

  return (
    <section aria-labelledby="audit-heading">
      <h1 id="audit-heading" className="text-2xl font-semibold tracking-tight">
        Audit log
      </h1>
      <p className="mt-1 max-w-3xl text-sm text-stone-600">
        Every decision Gatehouse made for your agents, numbered without gaps, hash-chained and kept in a Merkle tree whose checkpoints are signed with your organization&apos;s key.
        Check an entry or the whole log here, or export it and verify it offline with the public key alone.
      </p>

      <div role="tablist" aria-label="Audit sections" className="mt-6 flex gap-5 overflow-x-auto border-b border-stone-200">
        {AUDIT_TABS.map((value) => (
          <button
            key={value}
            ref={(element) => {
              if (element) tabRefs.current.set(value, element);
              else tabRefs.current.delete(value);
            }}
            type="button"
            role="tab"
            id={`audit-tab-${value}`}
            aria-selected={tab === value}
            aria-controls={`audit-panel-${value}`}
            tabIndex={tab === value ? 0 : -1}
            onClick={() => open(value)}
            onKeyDown={onTabKeyDown}
            className={`-mb-px whitespace-nowrap border-b-2 px-1 pb-2 text-sm font-medium ${
              tab === value ? "border-stone-900 text-stone-900" : "border-transparent text-stone-500 hover:text-stone-800"
            }`}
          >
            {TAB_LABELS[value]}
          </button>
        ))}
      </div>

      {AUDIT_TABS.filter((value) => opened.has(value)).map((value) => (
        <div key={value} role="tabpanel" id={`audit-panel-${value}`} aria-labelledby={`audit-tab-${value}`} hidden={tab !== value} className="pt-6">
          {panel(value)}
        </div>
      ))}
    </section>
  );
}
