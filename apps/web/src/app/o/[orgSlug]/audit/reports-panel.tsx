"use client";

import type { Article12Report } from "@gatehouse/core";
// The page alone (no Node module behind it), for the browser: the same page the API serves.
import { renderArticle12Html, REPORT_MAX_DAYS, reportFilename } from "@gatehouse/core/report-page";
import { useMutation } from "@tanstack/react-query";
import { useId, useState } from "react";
import { buttonClass } from "@/components/button";
import { PeriodFields, toInstant } from "@/components/period-fields";
import { ApiError, orgPath, postJson } from "@/lib/api-client";
import { formatCount, formatDateTime } from "@/lib/format";

const DAY_MS = 86_400_000;

/** A `datetime-local` value (the browser's time zone) for an instant. */
function localInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function save(text: string, type: string, filename: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Opens the printable page in a new tab (rendered here from the report: the same page the API serves, no second report). */
function openPrintable(report: Article12Report): void {
  const url = URL.createObjectURL(new Blob([renderArticle12Html(report)], { type: "text/html;charset=utf-8" }));
  // Not `noopener`: a blob's page opened that way may be refused a load. It runs no script; the link back is cut at once.
  const opened = window.open(url, "_blank");
  if (opened) opened.opener = null;
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The Reports section: the Article 12 evidence report over a period, its headline figures, and its JSON and printable forms. */
export function ReportsPanel({ orgSlug }: { orgSlug: string }) {
  const id = useId();
  const [from, setFrom] = useState(() => localInput(new Date(Date.now() - 30 * DAY_MS)));
  // The field holds minutes: the end defaults to the next whole minute, so what happened just now is in the period.
  const [to, setTo] = useState(() => localInput(new Date(Math.ceil(Date.now() / 60_000) * 60_000)));
  const fromInstant = toInstant(from);
  const toInstantValue = toInstant(to);
  const problem =
    !fromInstant || !toInstantValue
      ? "Give both ends of the period."
      : fromInstant >= toInstantValue
        ? "“From” must be before “To”."
        : Date.parse(toInstantValue) - Date.parse(fromInstant) > REPORT_MAX_DAYS * DAY_MS
          ? `A report covers at most ${REPORT_MAX_DAYS} days.`
          : Date.parse(toInstantValue) > Date.now() + 60_000
            ? "“To” is in the future: a report covers what has happened."
            : null;
  const produce = useMutation({
    mutationFn: (period: { from: string; to: string }) => postJson<Article12Report>(`${orgPath(orgSlug)}/audit/reports/article12`, { ...period, format: "json" }),
  });
  const report = produce.data;

  return (
    <div className="grid gap-8 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
      <form
        aria-labelledby={`${id}-heading`}
        onSubmit={(event) => {
          event.preventDefault();
          if (!problem && fromInstant && toInstantValue) produce.mutate({ from: fromInstant, to: toInstantValue });
        }}
        className="space-y-5"
      >
        <div>
          <h2 id={`${id}-heading`} className="text-lg font-semibold">
            Article 12 evidence report
          </h2>
          <p className="mt-1 text-sm text-stone-600">
            What the audit log shows about a period: the agents that acted, decisions of each kind, human oversight, the policies in force and their changes, incidents, the
            log&apos;s integrity, retention and coverage — each with what it can and cannot show. It is evidence drawn from the log, not a claim of compliance. Producing one is
            recorded in the log.
          </p>
        </div>
        <fieldset className="grid gap-3 sm:grid-cols-2">
          <legend className="mb-1.5 text-xs font-medium text-stone-500">Period (entries written from, and before to)</legend>
          <PeriodFields from={from} to={to} onFrom={setFrom} onTo={setTo} problemId={problem ? `${id}-period-error` : undefined} />
        </fieldset>
        {problem ? (
          <p id={`${id}-period-error`} role="alert" className="text-sm text-red-700">
            {problem}
          </p>
        ) : null}
        <div className="flex flex-wrap items-center gap-3">
          <button type="submit" data-testid="report-produce" disabled={problem !== null || produce.isPending} className={buttonClass({ size: "md", variant: "primary" })}>
            {produce.isPending ? "Counting the log…" : "Produce report"}
          </button>
          {report ? (
            <>
              <button type="button" data-testid="report-open" onClick={() => openPrintable(report)} className={buttonClass({ size: "md" })}>
                Open printable page
              </button>
              <button
                type="button"
                onClick={() => save(`${JSON.stringify(report, null, 2)}\n`, "application/json", reportFilename(report, "json"))}
                className={buttonClass({ size: "md" })}
              >
                Download JSON
              </button>
              <button
                type="button"
                onClick={() => save(renderArticle12Html(report), "text/html;charset=utf-8", reportFilename(report, "html"))}
                className={buttonClass({ size: "md" })}
              >
                Download page
              </button>
            </>
          ) : null}
        </div>
        {produce.isError ? (
          <p role="alert" className="text-sm text-red-700">
            {produce.error instanceof ApiError ? produce.error.message : "The report could not be produced; try again."}
          </p>
        ) : null}
        {report ? <ReportSummary report={report} /> : null}
      </form>

      <aside className="rounded-xl border border-stone-200 bg-white p-5 text-sm">
        <h3 className="font-semibold">Check it yourself</h3>
        <p className="mt-1 text-stone-600">
          The report counts the entries below a signed checkpoint it names. Export the log (Export tab) and every figure can be counted again from the bundle; the checkpoint&apos;s
          root hash is in both, and the bundle verifies offline with your public key.
        </p>
        <p className="mt-2 text-stone-600">
          From a terminal: <code className="font-mono text-xs">gatehouse report article12 --from 2026-01-01 --to 2026-04-01 --format html --out report.html</code>
        </p>
      </aside>
    </div>
  );
}

function ReportSummary({ report }: { report: Article12Report }) {
  const { decisions, oversight, incidents, integrity, agents } = report;
  const incidentCount = incidents.halts + incidents.circuitTrips + incidents.anomalies + incidents.loops + incidents.budgetRefusals + incidents.postconditionViolations;
  const median = oversight.decisionSeconds.median;
  const rows: Array<[string, string]> = [
    ["Period", `${formatDateTime(report.period.from)} – ${formatDateTime(report.period.to)}`],
    ["Entries in the period", formatCount(report.entries.inPeriod)],
    ["Agents that acted", `${formatCount(agents.acted)} of ${formatCount(agents.registered)} registered`],
    [
      "Decisions",
      `${formatCount(decisions.total)}: ${formatCount(decisions.executed)} executed, ${formatCount(decisions.denied)} denied, ${formatCount(decisions.requested)} held for a person`,
    ],
    [
      "Human oversight",
      `${formatCount(oversight.approved)} approved, ${formatCount(oversight.denied)} denied, ${formatCount(oversight.expired)} expired${median === null ? "" : `; median ${median.toFixed(1)} s to decide`}`,
    ],
    [
      "Incidents",
      `${formatCount(incidentCount)} (halts, breakers, anomalies, loops, budget refusals, post-conditions); ${formatCount(incidents.contentFindings.total)} content findings`,
    ],
    ["Checkpoint covered", `tree size ${formatCount(integrity.checkpoint.treeSize)}, root ${integrity.checkpoint.rootHash.slice(0, 16)}…`],
    [
      "Last full verification",
      integrity.lastVerification ? `${formatDateTime(integrity.lastVerification.at)}: ${integrity.lastVerification.valid ? "valid" : "INVALID"}` : "never",
    ],
  ];
  return (
    <section data-testid="report-summary" aria-label="The report's headline figures" className="rounded-xl border border-stone-200 bg-white p-5">
      <p className="text-sm text-stone-600">Produced {formatDateTime(report.generatedAt)}. The printable page and the JSON carry every figure and what each can and cannot show.</p>
      <dl className="mt-3 grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[max-content_1fr]">
        {rows.map(([label, value]) => (
          <div key={label} className="contents">
            <dt className="text-stone-500">{label}</dt>
            <dd className="tabular-nums text-stone-900">{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
