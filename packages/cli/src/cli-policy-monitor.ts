/** `gatehouse policies monitor`: what monitor-mode policies and the report-only trial would have blocked. */
import type { PolicyMonitor } from "@gatehouse/sdk";
import { EXIT_OK, noMore, printJson, table, UsageError } from "./cli-common.ts";
import { defineCommand } from "./command.ts";

export const POLICY_MONITOR_HELP = `Usage: gatehouse policies monitor [--days N] [--json]

Prints what the org's monitor-mode policies, and its report-only trial (settings
policies.reportOnly), would have blocked — denied or held for approval — had they been enforced:
per UTC day over the last N days (today included), and per policy with how many decisions it
decided. Counted from the audit log by the worker, about a second behind. Takes an org admin key.

Options:
  --days N    How many days, 1-90. Default: 7
  --json      Print the answer as JSON
`;

/** The monitor view as a person reads it: a table per day, then a table per policy. */
export function formatPolicyMonitor(monitor: PolicyMonitor): string {
  const total = monitor.series.reduce((sum, point) => sum + point.wouldBlock, 0);
  const lines = [`Would have blocked: ${total} decision${total === 1 ? "" : "s"} over the last ${monitor.days} day${monitor.days === 1 ? "" : "s"} (UTC)`, ""];
  lines.push(
    table(
      ["DAY", "WOULD BLOCK"],
      monitor.series.map((point) => [point.at.slice(0, 10), String(point.wouldBlock)]),
    ).trimEnd(),
    "",
  );
  if (monitor.byPolicy.length === 0) lines.push("No policy decided anything in this window.");
  else
    lines.push(
      table(
        ["POLICY", "DECIDED", "WOULD BLOCK"],
        monitor.byPolicy.map((p) => [p.policy, String(p.decided), String(p.wouldBlock)]),
      ).trimEnd(),
    );
  return `${lines.join("\n")}\n`;
}

export const monitorCommand = defineCommand({
  name: "monitor",
  summary: "Print what monitor mode and report-only would have blocked, per day and policy",
  options: { days: { type: "string" }, json: { type: "boolean" } },
  connection: "admin",
  help: POLICY_MONITOR_HELP,
  async run(io, args, options) {
    noMore(args);
    const daysText = options.days;
    let days: number | undefined;
    if (daysText !== undefined) {
      days = /^\d+$/.test(daysText) ? Number(daysText) : NaN;
      if (!Number.isInteger(days) || days < 1 || days > 90) throw new UsageError(`--days must be a whole number from 1 to 90, not "${daysText}"`);
    }
    const monitor = await io.admin().policies.monitor(days, { signal: io.signal });
    if (options.json) return printJson(io.stdout, monitor);
    io.stdout(formatPolicyMonitor(monitor));
    return EXIT_OK;
  },
});
