/** `admin.reports`: evidence reports drawn from the org's audit log (docs/reports.md). */
import { isoTime, request, type TransportConfig } from "../request.ts";
import type { Article12Report, RequestOptions } from "../types.ts";

/** The period a report covers: entries written at or after `from` and before `to` (at most 367 days, ending no later than now). */
export interface ReportPeriod {
  from: Date | string;
  to: Date | string;
}

/** Reports for members with `audit.export` (owners, admins, auditors). */
export interface AdminReports {
  /**
   * `POST /v1/audit/reports/article12`: the Article 12 evidence report over the period — agents that acted,
   * decisions of each kind, human oversight, the policies in force and their changes, incidents, log
   * integrity (the signed checkpoint it covers), retention and coverage, each section with what it can
   * and cannot show. Evidence, not a claim of compliance. Producing it is recorded in the log
   * (`audit.report_generated`). A period backwards, longer than 367 days or in the future is a
   * `BadRequestError` naming `to`.
   */
  article12(period: ReportPeriod, options?: RequestOptions): Promise<Article12Report>;
  /** The same report as its printable page: one self-contained HTML document. */
  article12Html(period: ReportPeriod, options?: RequestOptions): Promise<string>;
}

/** A report counts a period's log on the server: minutes for a year of a busy org, so one attempt may wait this long. */
const REPORT_TIMEOUT_MS = 10 * 60_000;

const body = (period: ReportPeriod, format: "json" | "html") => ({ from: isoTime(period.from), to: isoTime(period.to), format });

export function createAdminReports(config: TransportConfig): AdminReports {
  return {
    article12: (period, options = {}) =>
      request<Article12Report>(config, { method: "POST", path: "/v1/audit/reports/article12", body: body(period, "json"), timeout: REPORT_TIMEOUT_MS, signal: options.signal }),
    article12Html: (period, options = {}) =>
      request<string>(config, {
        method: "POST",
        path: "/v1/audit/reports/article12",
        body: body(period, "html"),
        headers: { accept: "text/html" },
        text: true,
        signal: options.signal,
      }),
  };
}
