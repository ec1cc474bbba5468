import { testContentDetectorBodySchema } from "@gatehouse/contracts";
import { testContentDetector } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/content-detectors/test { detector: { class, pattern, keywords?, checksum? }, samples } → { results }: each sample's hits; nothing saved.
export const POST = memberRoute({ what: "test content detectors", permission: "content.detectors", body: testContentDetectorBodySchema }, async ({ ctx, body, requestId }) =>
  jsonResponse(await testContentDetector({ ctx, input: body }), requestId),
);
