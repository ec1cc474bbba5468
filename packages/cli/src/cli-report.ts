/** `gatehouse report article12`: the Article 12 evidence report over a period, as JSON or its printable page (docs/reports.md). */
import { writeFile } from "node:fs/promises";
import type { Article12Report } from "@gatehouse/sdk";
import { EXIT_OK, UsageError, noMore, withConnection } from "./cli-common.ts";
import { defineCommand, type CommandGroup } from "./command.ts";

const ARTICLE12_HELP = withConnection(`Usage: gatehouse report article12 --from <time> --to <time> [--format json|html] [--out <file>]

The Article 12 evidence report: what the org's audit log shows about the period (entries written
at or after --from and before --to, at most 367 days, ending no later than now): agents that acted,
decisions of each kind, human oversight (approvals, voters' roles and channels, time to decision),
the policies in force and their changes, incidents, log integrity (the signed checkpoint it covers),
retention and coverage, each with what it can and cannot show. Evidence, not a claim of compliance.
Every figure can be recounted from an export of the log. Producing it is recorded in the log
(audit.report_generated). Owners, admins and auditors (audit.export).

Times are ISO 8601 (2026-01-01T00:00:00Z) or a date (2026-01-01, midnight UTC).

Options:
  --from <time>          The period's start (required)
  --to <time>            The period's end (required)
  --format json|html     json (default) or html: the printable page, to open in a browser and print
  --out <file>           Write it to this file instead of standard output
`);

/** A date alone is midnight UTC; anything else is passed as written (the API names a bad one). */
function timeArgument(name: string, value: string | undefined): string {
  if (value === undefined || value.trim() === "") throw new UsageError(`report article12 needs --${name} <time> (ISO 8601, or a date such as 2026-01-01)`);
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
}

/** The report's headline figures, for whoever asked on a terminal without --out. */
function summary(report: Article12Report, out: string): string {
  return [
    `Article 12 report for ${report.org.name}: ${report.period.from} to ${report.period.to}, checkpoint ${report.integrity.checkpoint.treeSize} (root ${report.integrity.checkpoint.rootHash}).`,
    `${report.entries.inPeriod} entries; ${report.decisions.total} decisions (${report.decisions.executed} executed, ${report.decisions.denied} denied, ${report.decisions.requested} held for a person) by ${report.agents.acted} of ${report.agents.registered} agents.`,
    `Written to ${out}.`,
    "",
  ].join("\n");
}

const article12 = defineCommand({
  name: "article12",
  synopsis: "--from <time> --to <time> [--format json|html] [--out <file>]",
  summary: "The Article 12 evidence report over a period (owners, admins, auditors)",
  options: { from: { type: "string" }, to: { type: "string" }, format: { type: "string" }, out: { type: "string" } },
  connection: "admin",
  help: ARTICLE12_HELP,
  async run(io, args, options) {
    noMore(args);
    const period = { from: timeArgument("from", options.from), to: timeArgument("to", options.to) };
    const format = options.format ?? "json";
    if (format !== "json" && format !== "html") throw new UsageError(`--format must be json or html, not "${format}"`);
    const reports = io.admin().reports;
    if (format === "html") {
      const html = await reports.article12Html(period, { signal: io.signal });
      if (options.out === undefined) io.stdout(html);
      else {
        await writeFile(options.out, html);
        io.stderr(`Wrote the printable Article 12 report to ${options.out}: open it in a browser and print it, or save it as PDF.\n`);
      }
      return EXIT_OK;
    }
    const report = await reports.article12(period, { signal: io.signal });
    const text = `${JSON.stringify(report, null, 2)}\n`;
    if (options.out === undefined) io.stdout(text);
    else {
      await writeFile(options.out, text);
      io.stderr(summary(report, options.out));
    }
    return EXIT_OK;
  },
});

export const reportGroup: CommandGroup = { name: "report", commands: [article12] };
