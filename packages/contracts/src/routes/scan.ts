import { MAX_FINDINGS, SCAN_LIMITS } from "@gatehouse/core";
import { scanBodySchema, scanResultSchema } from "../scan";
import type { RouteContract } from "./contract";

/** The standalone content scan: the screen of secrets and personal data without a decision (docs/content.md, "Standalone scan"). */
export const scanRoutes = [
  {
    operationId: "scan",
    method: "POST",
    path: "/v1/scan",
    summary: "Scan a text or a JSON value for secrets and personal data",
    description: `Runs the content screen's detectors (docs/content-detectors.md: the built-in table and the org's own) over \`text\` or over every string and object key of \`json\`, both classes always, whatever the org's content settings say (they govern what a decision does with a finding, not what a scan reports). Answers each finding's detector, class and path, never the value; a text's findings also carry the value's UTF-16 offsets. Nothing is stored: no audit entry, no decision, no event. At most ${MAX_FINDINGS} findings (\`truncated\` says there were more). An org's scans run one at a time per API process (its further calls wait their turn, then 429 with Retry-After), and large ones run on the work pool, so one org's scans never hold up another org. Agent keys, and members' keys of every role.`,
    tag: "Content",
    auth: "key",
    permission: "content.scan",
    body: scanBodySchema,
    bodyLimit: SCAN_LIMITS.bodyBytes,
    orgTurn: "content scan",
    success: { status: 200, description: "The findings, in the order of the text or the document.", json: scanResultSchema },
  },
] as const satisfies readonly RouteContract[];
