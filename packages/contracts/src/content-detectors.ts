import { MAX_ORG_DETECTORS, ORG_DETECTOR_MAX_SAMPLES, ORG_DETECTOR_SAMPLE_MAX_CHARS, orgDetectorInputSchema } from "@gatehouse/core";
import { z } from "zod";
import { idOf, named, safeString } from "./common";

// An org's own content detectors (docs/content-detectors.md, "An org's own detectors"): RE2 patterns the
// screen runs beside the built-in table; tested against samples before they are saved.

export const contentDetectorIdParams = z.object({ id: idOf("contentDetector") });

export const createContentDetectorBodySchema = named("CreateContentDetectorRequest", orgDetectorInputSchema, `A new detector (at most ${MAX_ORG_DETECTORS} per org).`);

export const updateContentDetectorBodySchema = named(
  "UpdateContentDetectorRequest",
  orgDetectorInputSchema.partial().strict(),
  "What to change; the rest stays. A changed pattern is checked as a new one is.",
);

const sample = safeString()
  .max(ORG_DETECTOR_SAMPLE_MAX_CHARS)
  .describe(`A text the candidate is run on: at most ${ORG_DETECTOR_SAMPLE_MAX_CHARS} characters. Samples are not stored.`);

export const testContentDetectorBodySchema = named(
  "TestContentDetectorRequest",
  z.strictObject({
    detector: orgDetectorInputSchema.omit({ name: true, enabled: true }).describe("The candidate: its class, pattern, keywords and checksum, checked as a saved one is."),
    samples: z.array(sample).min(1).max(ORG_DETECTOR_MAX_SAMPLES).describe(`1-${ORG_DETECTOR_MAX_SAMPLES} texts to run it on.`),
  }),
  "A candidate detector and the texts to try it on; nothing is saved.",
);

export const testContentDetectorResultSchema = named(
  "TestContentDetectorResult",
  z.object({
    results: z.array(
      z.object({
        sample: z.number().int().describe("The sample's index in the request."),
        hits: z.array(
          z.object({
            start: z.number().int().describe("UTF-16 offset where the match starts."),
            end: z.number().int().describe("UTF-16 offset just past the match."),
            match: z.string().describe("The matched text (from the caller's own sample)."),
          }),
        ),
      }),
    ),
  }),
  "Each sample's hits: what the detector would find there, its keywords and checksum applied.",
);

export const contentDetectorSchema = named(
  "ContentDetector",
  z.object({
    id: z.string(),
    name: z.string(),
    class: z.enum(["secrets", "personalData"]),
    pattern: z.string(),
    keywords: z.array(z.string()),
    checksum: z.enum(["luhn", "iban"]).nullable(),
    enabled: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
  "One of the org's own content detectors.",
);

export const contentDetectorListSchema = named("ContentDetectorList", z.object({ detectors: z.array(contentDetectorSchema) }), "The org's own detectors, oldest first.");

export const screenDetectorListSchema = named(
  "ScreenDetectorList",
  z.object({
    detectors: z.array(contentDetectorSchema.pick({ name: true, class: true })),
  }),
  "The org's enabled detectors by name and class, never their patterns: an SDK sends the texts of a screen to `POST /v1/scan` when there is any.",
);

export type CreateContentDetectorBody = z.input<typeof createContentDetectorBodySchema>;
export type UpdateContentDetectorBody = z.input<typeof updateContentDetectorBodySchema>;
export type ContentDetectorView = z.output<typeof contentDetectorSchema>;
