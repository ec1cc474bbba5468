import { EVENT_TYPES, validationError, type EventType, type GatehouseEvent } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermissionUnlessAgent } from "../actors/require-permission";
import { openEventFeed, type EventFeed, type EventFeedLimits } from "./event-feed";

/**
 * `GET /v1/events` and the console's live views: an agent hears its own agent's events, a member the
 * org's (or one agent's, with `agentId`). `types` (comma-separated) keeps only those event types;
 * `lastEventId` (an audit sequence number) resumes right after that event, within the replay window
 * (event-feed.ts). The connection pulls what it sends from the returned feed and closes it when it ends.
 */
export async function subscribeEvents({
  ctx,
  input,
  limits,
  onRows,
}: {
  ctx: Ctx;
  input: { lastEventId?: string | null; types?: string | undefined; agentId?: string | undefined };
  limits?: Partial<EventFeedLimits> | undefined;
  onRows?: ((rows: number) => void | Promise<void>) | undefined;
}): Promise<EventFeed> {
  requirePermissionUnlessAgent(ctx, "events.read");
  const last = input.lastEventId?.trim();
  if (last && !/^\d{1,18}$/.test(last)) throw validationError([{ path: "lastEventId", message: "must be the id of an event from this stream" }]);
  const listed =
    input.types
      ?.split(",")
      .map((t) => t.trim())
      .filter((t) => t !== "") ?? [];
  const types = listed.length > 0 ? listed : null;
  const unknown = types?.find((t) => !(EVENT_TYPES as readonly string[]).includes(t));
  if (unknown !== undefined) throw validationError([{ path: "types", message: `'${unknown}' is not an event type (${EVENT_TYPES.join(", ")})` }]);
  if (ctx.actor.type === "agent" && input.agentId && input.agentId !== ctx.actor.agentId) {
    throw validationError([{ path: "agentId", message: "an agent's key hears only its own agent's events" }]);
  }
  const wanted = types ? new Set<EventType>(types as EventType[]) : null;
  return openEventFeed({
    orgId: ctx.org.id,
    agentId: ctx.actor.type === "agent" ? ctx.actor.agentId : (input.agentId ?? null),
    afterSeq: last ? Number(last) : null,
    accept: (event: GatehouseEvent) => wanted === null || wanted.has(event.type),
    ...(limits ? { limits } : {}),
    ...(onRows ? { onRows } : {}),
  });
}
