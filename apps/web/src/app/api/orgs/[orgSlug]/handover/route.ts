import { setHandoverBodySchema } from "@gatehouse/contracts";
import { endHandover, getHandover, setHandover } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// /api/orgs/[orgSlug]/handover: the signed-in member's own out-of-office hand-over in this org
// (docs/approvals.md, Hand-over). Session (401), membership (404), approvals.read (403).
export const GET = memberRoute({ what: "read your hand-over", permission: "approvals.read" }, async ({ ctx, requestId }) => jsonResponse(await getHandover({ ctx }), requestId));

// PUT { toMemberId, until }: another org's member 404; yourself, the past or beyond 30 days 400 naming the field.
export const PUT = memberRoute({ what: "hand over your approvals", permission: "approvals.read", body: setHandoverBodySchema }, async ({ ctx, body, requestId }) =>
  jsonResponse(await setHandover({ ctx, input: body }), requestId),
);

export const DELETE = memberRoute({ what: "end your hand-over", permission: "approvals.read" }, async ({ ctx, requestId }) => jsonResponse(await endHandover({ ctx }), requestId));
