import { article12RequestSchema } from "@gatehouse/contracts";
import { REPORT_PAGE_CSP, reportFilename } from "@gatehouse/core";
import { createArticle12Report } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

export const dynamic = "force-dynamic";

// POST /api/orgs/[orgSlug]/audit/reports/article12 { from, to, format: "json" | "html" } → the Article 12 evidence
// report over the period (docs/reports.md): JSON, or its printable page (one self-contained document, no script, served
// with a policy that lets nothing run or load). Producing it is recorded in the log (`audit.report_generated`).
// Session (401), membership (another org is 404), audit.export (403, before the body is read), the body (400 naming
// the field: a backwards period, one longer than 367 days or ending in the future).
export const POST = memberRoute({ what: "produce an Article 12 report", permission: "audit.export", body: article12RequestSchema }, async ({ ctx, body, requestId }) => {
  const output = await createArticle12Report({ ctx, input: body });
  if (output.format === "json") return jsonResponse(output.report, requestId);
  return new Response(output.html, {
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": REPORT_PAGE_CSP,
      "content-disposition": `inline; filename="${reportFilename(output.report, "html")}"`,
      "cache-control": "no-store",
      "x-request-id": requestId,
    },
  });
});
