import { validationError, type GatehouseEvent } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { openEventFeed } from "./event-feed";

/**
 * `GET /v1/events` and the console's live views: an agent hears its own agent's events, a member the
 * org's. `lastEventId` (an audit sequence number) resumes right after that event.
 */
export async function subscribeEvents({ ctx, input, deliver }: { ctx: Ctx; input: { lastEventId?: string | null }; deliver: (event: GatehouseEvent) => void }): Promise<() => void> {
  if (ctx.actor.type !== "agent") requirePermission(ctx, "events.read");
  const last = input.lastEventId?.trim();
  if (last && !/^\d{1,18}$/.test(last)) throw validationError([{ path: "lastEventId", message: "must be the id of an event from this stream" }]);
  return openEventFeed({
    orgId: ctx.org.id,
    agentId: ctx.actor.type === "agent" ? ctx.actor.agentId : null,
    afterSeq: last ? Number(last) : null,
    deliver,
  });
}
