import type { Article12Report, ReportNote } from "./article12";

// The bound the console checks a period against before asking (this module is the one the browser loads).
export { REPORT_MAX_DAYS } from "./article12";

/**
 * The Article 12 report as a page a person reads and prints (docs/reports.md): one self-contained
 * HTML document with its own print styles, no script and nothing loaded from elsewhere. Every value
 * from the log (agents' and policies' names, the org's) is escaped.
 */

/** The page's Content-Security-Policy wherever it is served: nothing runs in it and nothing is loaded from elsewhere. */
export const REPORT_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

/** The file name a report's page or JSON is saved under. */
export function reportFilename(report: Article12Report, extension: "html" | "json"): string {
  return `gatehouse-${report.org.slug}-article12-${report.period.from.slice(0, 10)}-${report.period.to.slice(0, 10)}.${extension}`.replace(/[^\w.-]/g, "_");
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const count = (n: number) => n.toLocaleString("en-US");
const seconds = (s: number | null) => (s === null ? "—" : s < 120 ? `${s.toFixed(1)} s` : s < 7200 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`);
const utc = (iso: string) => escapeHtml(iso.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC"));

function note(about: ReportNote): string {
  return `<div class="note"><p><strong>Shows:</strong> ${escapeHtml(about.shows)}</p><p><strong>Cannot show:</strong> ${escapeHtml(about.cannotShow)}</p></div>`;
}

function rows(pairs: ReadonlyArray<readonly [string, string | number]>): string {
  return `<table class="figures"><tbody>${pairs.map(([label, value]) => `<tr><th scope="row">${escapeHtml(label)}</th><td>${typeof value === "number" ? count(value) : escapeHtml(value)}</td></tr>`).join("")}</tbody></table>`;
}

function counts(title: string, record: Record<string, number>, empty: string): string {
  const entries = Object.entries(record);
  if (entries.length === 0) return `<p class="muted">${escapeHtml(empty)}</p>`;
  return `<table class="list"><caption>${escapeHtml(title)}</caption><tbody>${entries.map(([key, n]) => `<tr><td><code>${escapeHtml(key)}</code></td><td class="n">${count(n)}</td></tr>`).join("")}</tbody></table>`;
}

function section(id: string, title: string, body: string, about: ReportNote): string {
  return `<section id="${id}"><h2>${escapeHtml(title)}</h2>${body}${note(about)}</section>`;
}

export function renderArticle12Html(report: Article12Report): string {
  const { org, period, decisions, oversight, incidents, policies, agents, coverage, integrity, retention, entries } = report;
  const title = `Article 12 evidence report — ${org.name}`;
  const by = `${report.generatedBy.type === "adminKey" ? "admin key" : "member"} ${report.generatedBy.id}${report.generatedBy.role ? ` (${report.generatedBy.role})` : ""}`;
  const cp = integrity.checkpoint;

  const agentTable =
    agents.list.length === 0
      ? `<p class="muted">No agent asked for a decision in the period.</p>`
      : `<table class="list"><thead><tr><th>Agent</th><th class="n">Decisions</th><th class="n">Executed</th><th class="n">Denied</th><th class="n">Held for a person</th></tr></thead><tbody>${agents.list
          .map(
            (a) =>
              `<tr><td>${escapeHtml(a.name)} <code class="id">${escapeHtml(a.agentId)}</code></td><td class="n">${count(a.decisions)}</td><td class="n">${count(a.executed)}</td><td class="n">${count(a.denied)}</td><td class="n">${count(a.requested)}</td></tr>`,
          )
          .join("")}</tbody></table>`;

  const policyTable =
    policies.inForceAtEnd.length === 0
      ? `<p class="muted">No policy was live at the end of the period: every action was denied (default deny).</p>`
      : `<table class="list"><caption>Live at the end of the period</caption><thead><tr><th>Policy</th><th class="n">Version</th><th>Content hash</th></tr></thead><tbody>${policies.inForceAtEnd
          .map((p) => `<tr><td>${escapeHtml(p.name)}</td><td class="n">${p.version}</td><td><code class="hash">${escapeHtml(p.contentHash)}</code></td></tr>`)
          .join("")}</tbody></table>`;
  const changeTable =
    policies.changes.length === 0
      ? `<p class="muted">No policy was published or archived in the period.</p>`
      : `<table class="list"><caption>Changes in the period</caption><thead><tr><th>When</th><th>Change</th><th>Policy</th><th class="n">Version</th><th class="n">Entry</th></tr></thead><tbody>${policies.changes
          .map((c) => `<tr><td>${utc(c.time)}</td><td>${c.change}</td><td>${escapeHtml(c.name)}</td><td class="n">${c.version}</td><td class="n">${c.seq}</td></tr>`)
          .join("")}</tbody></table>`;

  const body = [
    section(
      "entries",
      "The log in the period",
      rows([
        ["Entries written in the period", entries.inPeriod],
        ["Their positions in the log", entries.firstSeq === null ? "none" : `${entries.firstSeq} to ${entries.lastSeq}`],
      ]),
      entries.about,
    ),
    section(
      "agents",
      "Agents",
      rows([
        ["Registered by the end of the period", agents.registered],
        ["Asked for a decision in the period", agents.acted],
      ]) + agentTable,
      agents.about,
    ),
    section(
      "decisions",
      "Decisions",
      rows([
        ["Decisions", decisions.total],
        ["Executed (allowed)", decisions.executed],
        ["Denied", decisions.denied],
        ["Held for a person", decisions.requested],
        ["Decided in monitor mode", decisions.monitorMode],
        ["Let through by a standing grant", decisions.underStandingGrant],
      ]) + counts("Denials by reason", decisions.byDenialReason, "No denial in the period."),
      decisions.about,
    ),
    section(
      "oversight",
      "Human oversight",
      rows([
        ["Actions held for a person", oversight.requested],
        ["Approved", oversight.approved],
        ["Denied by a person", oversight.denied],
        ["Expired undecided", oversight.expired],
        ["Cancelled", oversight.cancelled],
        ["Votes cast", oversight.votes.total],
        ["Votes to approve / to deny", `${count(oversight.votes.approve)} / ${count(oversight.votes.deny)}`],
        ["Votes cast for a member away (hand-over)", oversight.votes.onBehalfOf],
        ["Votes refused by separation of duties", oversight.refusedVotes],
        ["Decisions timed (request to decision)", oversight.decisionSeconds.count],
        ["… whose request the log no longer names (untimed)", oversight.decisionSeconds.untimed],
        ["Median time to decision", seconds(oversight.decisionSeconds.median)],
        ["90th percentile", seconds(oversight.decisionSeconds.p90)],
        ["Longest", seconds(oversight.decisionSeconds.max)],
      ]) +
        `<div class="pair">${counts("Votes by the voter's role", oversight.votes.byRole, "No vote in the period.")}${counts("Votes by channel", oversight.votes.byChannel, "No vote in the period.")}</div>`,
      oversight.about,
    ),
    section(
      "policies",
      "Policies in force",
      rows([
        ["Live at the start of the period", policies.inForceAtStart],
        ["Live at its end", policies.inForceAtEnd.length],
      ]) +
        policyTable +
        changeTable,
      policies.about,
    ),
    section(
      "incidents",
      "Incidents",
      rows([
        ["Agents halted", incidents.halts],
        ["Agents resumed", incidents.resumes],
        ["Circuit breakers opened", incidents.circuitTrips],
        ["Anomalies detected", incidents.anomalies],
        ["Loops detected", incidents.loops],
        ["Agents that stopped answering", incidents.unresponsive],
        ["Calls refused by a budget", incidents.budgetRefusals],
        ["Budgets first exceeded in a window", incidents.budgetsExceeded],
        ["Post-conditions broken", incidents.postconditionViolations],
        ["Content findings", incidents.contentFindings.total],
      ]) +
        `<div class="pair">${counts("Content findings by class", incidents.contentFindings.byClass, "No content finding.")}${counts("Content findings by what was done", incidents.contentFindings.byAction, "No content finding.")}</div>`,
      incidents.about,
    ),
    section(
      "integrity",
      "Log integrity",
      rows([
        ["Checkpoint tree size", cp.treeSize],
        ["Root hash", cp.rootHash],
        ["Signed at", cp.signedAt.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC")],
        [
          "Last full verification on the server",
          integrity.lastVerification
            ? `${integrity.lastVerification.at.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC")}: ${integrity.lastVerification.valid ? "valid" : "INVALID"}`
            : "never",
        ],
      ]) + `<p>The signed checkpoint this report covers:</p><pre class="note-text">${escapeHtml(cp.note)}</pre>`,
      integrity.about,
    ),
    section(
      "retention",
      "Retention",
      `<p>${escapeHtml(retention.rule)}</p>` +
        rows([
          ["Erasures recorded in the period", retention.erasures],
          ["Entries they touched", retention.entriesErased],
        ]),
      retention.about,
    ),
    section(
      "coverage",
      "Coverage",
      rows([
        ["Agents with decisions / registered", `${count(coverage.agentsWithDecisions)} / ${count(coverage.agentsRegistered)}`],
        ["Outcomes reported / actions executed", `${count(coverage.outcomesReported)} / ${count(coverage.actionsExecuted)}`],
        ["Model calls decided", coverage.modelCalls.decided],
        ["… through the OpenAI or Anthropic wrapper", coverage.modelCalls.throughWrapper],
        ["Outcomes with the provider's usage", coverage.modelCalls.withUsageReported],
      ]),
      coverage.about,
    ),
  ].join("\n");

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(REPORT_PAGE_CSP.replace(/; frame-ancestors [^;]*/, ""))}">
<title>${escapeHtml(title)}</title>
<style>
  :root { color-scheme: light; }
  body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111827; max-width: 900px; margin: 2rem auto; padding: 0 1.5rem; }
  h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
  h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; border-bottom: 1px solid #d1d5db; padding-bottom: .25rem; }
  .meta { color: #4b5563; margin: 0 0 1rem; }
  .statement { border: 2px solid #92400e; background: #fffbeb; padding: .75rem 1rem; border-radius: 6px; }
  table { border-collapse: collapse; margin: .5rem 0; }
  table.figures th { text-align: left; font-weight: 500; padding: .15rem 1.5rem .15rem 0; color: #374151; }
  table.figures td { font-variant-numeric: tabular-nums; word-break: break-all; }
  table.list { width: 100%; }
  table.list th, table.list td { border-bottom: 1px solid #e5e7eb; padding: .25rem .5rem; text-align: left; }
  table.list caption { text-align: left; font-weight: 600; padding: .25rem 0; }
  .n { text-align: right !important; font-variant-numeric: tabular-nums; }
  .pair { display: flex; gap: 2rem; } .pair > table { flex: 1; }
  .note { background: #f3f4f6; border-left: 3px solid #6b7280; padding: .25rem .75rem; margin: .75rem 0; font-size: .9rem; }
  .note p { margin: .35rem 0; }
  .muted { color: #6b7280; }
  code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85em; }
  code.id, code.hash { color: #6b7280; word-break: break-all; }
  pre.note-text { background: #f9fafb; border: 1px solid #e5e7eb; padding: .5rem; white-space: pre-wrap; word-break: break-all; font-size: .8rem; }
  @page { size: A4; margin: 18mm 15mm; }
  @media print { body { margin: 0; max-width: none; } section { break-inside: avoid-page; } h2 { break-after: avoid; } .statement { break-inside: avoid; } }
</style>
</head>
<body>
<header>
<h1>Article 12 evidence report</h1>
<p class="meta">${escapeHtml(org.name)} (<code>${escapeHtml(org.slug)}</code>, <code>${escapeHtml(org.id)}</code>) · period ${utc(period.from)} to ${utc(period.to)} · generated ${utc(report.generatedAt)} by ${escapeHtml(by)} · covers checkpoint ${count(cp.treeSize)} (root <code class="hash">${escapeHtml(cp.rootHash)}</code>)</p>
<p class="statement" role="note"><strong>Evidence, not a claim of compliance.</strong> ${escapeHtml(report.statement)}</p>
</header>
<main>
${body}
</main>
</body>
</html>
`;
}
