import { createContentDetectorBodySchema } from "@gatehouse/contracts";
import { createContentDetector, listContentDetectors } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/content-detectors → { detectors }, oldest first. Session (401), membership (another org is 404), content.detectors (403).
export const GET = memberRoute({ what: "list the org's content detectors", permission: "content.detectors" }, async ({ ctx, requestId }) =>
  jsonResponse(await listContentDetectors({ ctx }), requestId),
);

// POST /api/orgs/[orgSlug]/content-detectors { name, class, pattern, keywords?, checksum?, enabled? } → the detector (201).
// A pattern that is not RE2 (linear-time) is a 400 naming `pattern`.
export const POST = memberRoute({ what: "add content detectors", permission: "content.detectors", body: createContentDetectorBodySchema }, async ({ ctx, body, requestId }) =>
  jsonResponse(await createContentDetector({ ctx, input: body }), requestId, 201),
);
