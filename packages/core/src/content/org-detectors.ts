import { z } from "zod";
import { ORG_DETECTOR_NAME } from "./content-finding";
import {
  isBuiltInDetector,
  ORG_DETECTOR_CHECKSUMS,
  ORG_DETECTOR_MAX_KEYWORDS,
  ORG_DETECTOR_PATTERN_MAX_CHARS,
  ORG_DETECTOR_PROGRAM_MAX,
  orgPatternProblem,
} from "./org-detector-scan";

// How an org's detectors compile and run is org-detector-scan.ts's (zod-free: the SDK bundles it); the definition's schema is here.
export * from "./org-detector-scan";

/** An org detector's definition, as stored and as the API takes it. */
export const orgDetectorInputSchema = z.strictObject({
  name: z
    .string()
    .regex(ORG_DETECTOR_NAME, "must be 2-48 characters of a-z, 0-9 and _, starting with a letter (it names the findings: [secret:<name>#…])")
    .refine((name) => !isBuiltInDetector(name), "is a built-in detector's name (docs/content-detectors.md): choose another")
    .describe("Unique in the org; names its findings and placeholders (`[secret:acme_api_key#1a2b3c4d]`)."),
  class: z.enum(["secrets", "personalData"]).describe("What its findings are, so the content rules for that class apply to them."),
  pattern: z
    .string()
    .superRefine((pattern, ctx) => {
      const problem = orgPatternProblem(pattern);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .describe(
      `An RE2 pattern (no backreferences, no lookaround: linear-time), at most ${ORG_DETECTOR_PATTERN_MAX_CHARS} characters and ${ORG_DETECTOR_PROGRAM_MAX} RE2 instructions; \`(?i)\` for case-insensitive. The whole match is the value.`,
    ),
  keywords: z
    .array(
      z
        .string()
        .min(2)
        .max(32)
        .regex(/^[\x20-\x7e]+$/, "must be printable ASCII"),
    )
    .max(ORG_DETECTOR_MAX_KEYWORDS)
    .default([])
    .describe("Optional prefilter: the pattern runs on a text only when it contains one of them (case-insensitive). None: it runs on every text."),
  checksum: z.enum(ORG_DETECTOR_CHECKSUMS).nullable().default(null).describe("Optional check a match must pass: `luhn` over its digits, or `iban` (ISO 13616 mod 97)."),
  enabled: z.boolean().default(true).describe("A disabled detector is kept but does not run."),
});
export type OrgDetectorInput = z.input<typeof orgDetectorInputSchema>;
export type OrgDetectorDefinition = z.output<typeof orgDetectorInputSchema>;
