import { updateContentDetectorBodySchema } from "@gatehouse/contracts";
import { deleteContentDetector, updateContentDetector } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// PATCH /api/orgs/[orgSlug]/content-detectors/[detectorId] { name?, class?, pattern?, keywords?, checksum?, enabled? } → the detector.
// Another org's detector is 404; content.detectors (403); under the two-admin rule a change that could find less is 409.
export const PATCH = memberRoute(
  { what: "change content detectors", params: { detectorId: "contentDetector" }, permission: "content.detectors", body: updateContentDetectorBodySchema },
  async ({ ctx, params: { detectorId }, body, requestId }) => jsonResponse(await updateContentDetector({ ctx, input: { id: detectorId, body } }), requestId),
);

// DELETE /api/orgs/[orgSlug]/content-detectors/[detectorId] → the deleted detector.
export const DELETE = memberRoute(
  { what: "delete content detectors", params: { detectorId: "contentDetector" }, permission: "content.detectors" },
  async ({ ctx, params: { detectorId }, requestId }) => jsonResponse(await deleteContentDetector({ ctx, input: { id: detectorId } }), requestId),
);
