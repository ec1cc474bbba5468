import { useId } from "react";
import type { ContentFinding } from "@gatehouse/core";
import { findingParts, findingsNote } from "@/lib/content-findings";

// A decision's or an outcome's findings (docs/content.md): one compact line each — class, detector,
// where, what was done — and what that means for the values. Never a value: the server sends none.

const ACTION_STYLES: Record<ContentFinding["action"], string> = {
  denied: "text-red-700",
  redacted: "text-amber-800",
  flagged: "text-stone-600",
};

/** The findings under an h3 styled as the page's other headings there (`headingClass`); nothing when there are none. */
export function ContentFindings({
  findings,
  title = "Secrets and personal data found",
  headingClass = "text-xs font-medium text-stone-500",
}: {
  findings: readonly ContentFinding[];
  title?: string;
  headingClass?: string;
}) {
  const headingId = useId();
  if (findings.length === 0) return null;
  return (
    <section aria-labelledby={headingId} data-testid="content-findings">
      <h3 id={headingId} className={headingClass}>
        {title} ({findings.length})
      </h3>
      <ul className="mt-1 space-y-0.5 rounded-lg border border-stone-200 bg-white p-3 font-mono text-xs text-stone-800">
        {findings.map((finding, i) => (
          <li key={`${i}-${finding.path}-${finding.detector}`} data-testid="content-finding" data-action={finding.action} className="[overflow-wrap:anywhere]">
            {findingParts(finding).join(" · ")} · <span className={ACTION_STYLES[finding.action]}>{finding.action}</span>
            {finding.confidence ? ` · ${finding.confidence} confidence` : null}
          </li>
        ))}
      </ul>
      <p className="mt-1 text-xs text-stone-500">{findingsNote(findings)}</p>
    </section>
  );
}
