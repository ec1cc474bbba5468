import { eventDataSchema, eventsQuerySchema } from "../events";
import type { RouteContract } from "./contract";

/** The server-sent stream of decisions and approvals. */
export const eventRoutes = [
  {
    operationId: "streamEvents",
    method: "GET",
    path: "/v1/events",
    summary: "Server-sent events of decisions and approvals",
    description:
      "Each event's id is its audit sequence number; reconnect with `Last-Event-ID` to resume exactly where the stream stopped. A replay goes back at most the last 10,000 log entries: an older id starts with a `replay.truncated` event (its id is where the replay resumes; the skipped entries are in the audit export), and an id past the log's newest entry is a 400. A reader that falls more than 1,000 events behind gets a last `stream.closed` event and is disconnected; reconnecting resumes after the last event it received. A key holds at most 10 streams at once and an org's keys together 50, per API process (configurable); another is answered 429 with `Retry-After` and how many are open.",
    tag: "Events",
    auth: "key",
    permission: "events.read",
    query: eventsQuerySchema,
    success: {
      status: 200,
      description: "An event stream.",
      raw: { mediaTypes: ["text/event-stream"], description: "`id`, `event` (the type) and `data` (JSON) per event.", itemSchema: eventDataSchema },
    },
  },
] as const satisfies readonly RouteContract[];
