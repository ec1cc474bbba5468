import { EVENT_DEFINITIONS, EVENT_TYPES } from "@gatehouse/core";
import { z } from "zod";
import { idOf, named, queryText } from "./common";

export const eventTypeSchema = z.enum(EVENT_TYPES);

/** `approval.voted` → `ApprovalVoted`: the event's component name after `Event`. */
const pascal = (type: string) =>
  type
    .split(/[._]/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");

type Definition = (typeof EVENT_DEFINITIONS)[number];

/** One event type's `data`, named `Event<Type>` in the contract: seq, type, at, agentId and its own fields. */
const eventOf = <D extends Definition>(definition: D) =>
  named(
    `Event${pascal(definition.type)}`,
    z.looseObject({
      seq: z.number().int().describe("The audit sequence number of the entry the event comes from (the event's id)."),
      type: z.literal(definition.type as D["type"]),
      at: z.string(),
      agentId: z.string().nullable(),
      ...(definition.fields as D["fields"]),
    }),
  );

type EventMembers<Definitions extends readonly Definition[]> = { -readonly [I in keyof Definitions]: ReturnType<typeof eventOf<Definitions[I]>> };
/** One member per event type, in core's order (EVENT_DEFINITIONS): a new type is its definition there and nothing here. */
const EVENT_MEMBERS = EVENT_DEFINITIONS.map((definition) => eventOf(definition)) as unknown as EventMembers<typeof EVENT_DEFINITIONS>;

export const eventDataSchema = named(
  "EventData",
  z.discriminatedUnion("type", EVENT_MEMBERS),
  "The `data` of one server-sent event (JSON): one member per event type, discriminated by `type`. Types may be added.",
);

export const eventsQuerySchema = z.object({
  lastEventId: queryText(20).optional().describe("Resume after this event id (or send the Last-Event-ID header)."),
  types: queryText(500).optional().describe("Comma-separated event types to receive, e.g. `approval.decided,action.denied`."),
  agentId: idOf("agent").optional().describe("Only this agent's events (an agent key always gets only its own)."),
});

export type EventData = z.output<typeof eventDataSchema>;
