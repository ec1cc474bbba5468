import { z } from "zod";
import type { ContentFinding } from "./screen-content";
import { LOCAL_DETECTOR_CLASSES, LOCAL_FINDING_PATH } from "./model-traffic";

/** An org detector's name (org-detectors.ts checks it further); the server checks a finding naming one against the org's (screen-call). */
export const ORG_DETECTOR_NAME = /^[a-z][a-z0-9_]{1,47}$/;

/** The schema of a finding on answers, audit entries and events (screen-content.ts has the type, free of zod). */
export const contentFindingSchema = z.object({
  detector: z.string().describe("The detector that found it: `github_token`, `email`, `card_number`, … (docs/content-detectors.md)."),
  class: z
    .enum(["secrets", "personalData", "instructions"])
    .describe("`instructions`: a heuristic flag for text that reads as instructions aimed at the agent, in a model's answer or a tool's result (docs/guardrails.md)."),
  path: z.string().describe("Where: `metadata.ticket.summary`, `dataAccessed[0].type`, `message`, `prompt.messages[1].content`."),
  action: z
    .enum(["denied", "redacted", "flagged"])
    .describe(
      "`redacted`: replaced by a placeholder before anything was written; `denied`: the call was refused; `flagged`: kept (also a finding below the call's `minConfidence`, docs/content.md).",
    ),
  confidence: z
    .enum(["high", "medium", "low"])
    .optional()
    .describe("How sure the detector is (docs/content-detectors.md, \"Confidence\"): a built-in detector's; absent for the org's own detectors and the instruction heuristic."),
}) satisfies z.ZodType<ContentFinding>;

/**
 * A finding of the caller's own screen, sent with a decision (`screened`: what a model call's prompt
 * holds) or an outcome (what the answer held): a known detector, its class, and a path — never the
 * value; what is done is the call's content rules' to say (docs/guardrails.md).
 */
export const localFindingSchema = z
  .strictObject({
    detector: z
      .string()
      .max(64)
      .refine(
        (id) => LOCAL_DETECTOR_CLASSES.has(id) || ORG_DETECTOR_NAME.test(id),
        "must name a detector of Gatehouse's table (docs/content-detectors.md), of the instruction heuristic, or of the org's own",
      ),
    class: z.enum(["secrets", "personalData", "instructions"]),
    path: z.string().regex(LOCAL_FINDING_PATH, "must be 1-300 characters of [A-Za-z0-9_.:#~[]-], as the screen builds a path"),
  })
  .refine((finding) => !LOCAL_DETECTOR_CLASSES.has(finding.detector) || LOCAL_DETECTOR_CLASSES.get(finding.detector) === finding.class, {
    path: ["class"],
    message: "is not the class of that detector",
  });
