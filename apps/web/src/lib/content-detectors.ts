import type { ContentDetectorView, CreateContentDetectorBody, UpdateContentDetectorBody } from "@gatehouse/contracts";
import { getJson, orgPath, postJson, request } from "./api-client";

// Settings → Your own detectors (docs/content-detectors.md, "An org's own detectors"): the console's own routes under /api/orgs/<slug>/content-detectors.

export type { ContentDetectorView };
export type DetectorList = { detectors: ContentDetectorView[] };
export type DetectorCandidate = Pick<CreateContentDetectorBody, "class" | "pattern" | "keywords" | "checksum">;
export type DetectorTestResult = { results: Array<{ sample: number; hits: Array<{ start: number; end: number; match: string }> }> };

export const detectorKeys = { list: (orgSlug: string) => ["content-detectors", orgSlug] as const };

const base = (orgSlug: string) => `${orgPath(orgSlug)}/content-detectors`;
const one = (orgSlug: string, id: string) => `${base(orgSlug)}/${encodeURIComponent(id)}`;

export const fetchDetectors = (orgSlug: string, signal?: AbortSignal) => getJson<DetectorList>(base(orgSlug), signal);
export const createDetector = (orgSlug: string, body: CreateContentDetectorBody) => postJson<ContentDetectorView>(base(orgSlug), body);
export const updateDetector = (orgSlug: string, id: string, body: UpdateContentDetectorBody) => request<ContentDetectorView>("PATCH", one(orgSlug, id), { body });
export const deleteDetector = (orgSlug: string, id: string) => request<ContentDetectorView>("DELETE", one(orgSlug, id));
export const testDetector = (orgSlug: string, detector: DetectorCandidate, samples: string[]) => postJson<DetectorTestResult>(`${base(orgSlug)}/test`, { detector, samples });

/** The keywords field's text as the API takes it: comma- or newline-separated, blanks dropped. */
export const keywordsOf = (text: string): string[] =>
  text
    .split(/[,\n]/)
    .map((keyword) => keyword.trim())
    .filter((keyword) => keyword.length > 0);
