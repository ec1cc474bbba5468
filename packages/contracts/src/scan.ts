import { inspectInput, jsonTextBytes, MAX_FINDINGS, SCAN_LIMITS, utf8Length } from "@gatehouse/core";
import { z } from "zod";
import { named, safeString } from "./common";

// The standalone content scan (`POST /v1/scan`, docs/content.md, "Standalone scan"): the content
// screen's detectors over a text or a JSON value, answering what was found where; nothing is stored.

const KIB = SCAN_LIMITS.maxBytes / 1024;

const scanText = safeString()
  .refine((text) => utf8Length(text, SCAN_LIMITS.maxBytes) <= SCAN_LIMITS.maxBytes, `must be at most ${KIB} KiB (${SCAN_LIMITS.maxBytes} bytes of UTF-8)`)
  .describe(`A text to scan: at most ${KIB} KiB of UTF-8. Findings carry the value's UTF-16 offsets (\`start\`, \`end\`).`);

const scanJson = z
  .unknown()
  .superRefine((value, ctx) => {
    const issue = inspectInput(value, { maxDepth: SCAN_LIMITS.maxJsonDepth, maxNodes: SCAN_LIMITS.maxJsonValues, jsonOnly: true });
    if (issue) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message, input: value });
    else if (jsonTextBytes(value, SCAN_LIMITS.maxBytes) > SCAN_LIMITS.maxBytes)
      ctx.addIssue({ code: "custom", message: `holds more than ${KIB} KiB (${SCAN_LIMITS.maxBytes} bytes of UTF-8) in its strings and keys`, input: value });
  })
  .describe(
    `Any JSON value to scan (an object, an array, a string, …): every string and every object key, as decisions screen their metadata. At most ${SCAN_LIMITS.maxJsonDepth} levels deep, ${SCAN_LIMITS.maxJsonValues} values, and ${KIB} KiB of UTF-8 in its strings and keys.`,
  );

export const scanBodySchema = named(
  "ScanRequest",
  z.strictObject({ text: scanText.optional(), json: scanJson.optional() }).superRefine((body, ctx) => {
    const given = Number(body.text !== undefined) + Number(body.json !== undefined);
    if (given === 0) ctx.addIssue({ code: "custom", path: ["body"], message: "must have `text` or `json` (exactly one of the two)" });
    if (given === 2) ctx.addIssue({ code: "custom", path: ["body"], message: "has both `text` and `json`: send exactly one of the two" });
  }),
  "What to scan: `text` or `json`, exactly one of the two.",
);

export const scanFindingSchema = named(
  "ScanFinding",
  z.object({
    detector: z.string().describe("The detector that found it: `github_token`, `email`, `card_number`, … (docs/content-detectors.md)."),
    class: z.enum(["secrets", "personalData"]),
    path: z
      .string()
      .describe(
        "Where: `text`, or in `json` the value's path (`json`, `json.ticket.summary`, `json.items[0]`); a key with a finding is named by what was found in it (`json.[secret:github_token].to`), so no path repeats a value.",
      ),
    start: z.number().int().optional().describe("A text's findings only: the UTF-16 offset where the value starts."),
    end: z.number().int().optional().describe("A text's findings only: the UTF-16 offset just past the value."),
    confidence: z
      .enum(["high", "medium", "low"])
      .optional()
      .describe(
        'How sure the built-in detector is (docs/content-detectors.md, "Confidence"): `high` a self-identifying or check-digit-confirmed format, `medium` a format found by a word beside it or a number with no check digit, `low` the generic high-entropy rule. None for the org\'s own detectors.',
      ),
  }),
  "One finding of a scan: the detector, its class and where, never the value.",
);

export const scanResultSchema = named(
  "ScanResult",
  z.object({
    findings: z.array(scanFindingSchema).describe(`In the order of the text or the document: at most ${MAX_FINDINGS}.`),
    truncated: z.boolean().describe(`More were found than \`findings\` holds (${MAX_FINDINGS}).`),
  }),
  "What a scan found. Nothing was stored: no audit entry, no decision.",
);

export type ScanRequest = z.input<typeof scanBodySchema>;
