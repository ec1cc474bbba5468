import type { AuditEntryType } from "../audit/entry-types";
import { EVENT_DEFINITIONS } from "./event-types";
import type { EntryOf, EventEntry, EventTypeDefinition } from "./event-type";

export type { EventEntry } from "./event-type";

/**
 * Server-sent events are projections of audit entries: each event's id is its entry's sequence
 * number, so a stream resumes exactly where it stopped (`Last-Event-ID`) with nothing invented and
 * nothing lost. Entries that are not events (keys, members, …) project to null. Each event type is one
 * definition (events/types/, listed in events/event-types.ts); what follows is derived from them.
 */
export const EVENT_TYPES = EVENT_DEFINITIONS.map((definition) => definition.type) as unknown as EventTypesOf<typeof EVENT_DEFINITIONS>;
type EventTypesOf<D extends ReadonlyArray<{ readonly type: string }>> = { readonly [I in keyof D]: D[I]["type"] };
export type EventType = (typeof EVENT_DEFINITIONS)[number]["type"];

export interface GatehouseEvent {
  id: string;
  type: EventType;
  data: Record<string, unknown> & { seq: number; type: EventType; at: string; agentId: string | null };
}

type Choice = { type: EventType; when: true | ((entry: EntryOf<AuditEntryType>) => boolean) };

/** For each entry type an event comes from, the event types it may become, in the definitions' order. */
const CHOICES = new Map<string, Choice[]>();
for (const definition of EVENT_DEFINITIONS as readonly EventTypeDefinition<EventType>[]) {
  for (const [entryType, when] of Object.entries(definition.from) as Array<[AuditEntryType, Choice["when"]]>) {
    CHOICES.set(entryType, [...(CHOICES.get(entryType) ?? []), { type: definition.type, when }]);
  }
}
const DEFINITION_OF = new Map<EventType, EventTypeDefinition<EventType>>(EVENT_DEFINITIONS.map((definition) => [definition.type, definition as EventTypeDefinition<EventType>]));

/**
 * The fields an event copies from its entry by name: those its own type declares (an entry's other
 * fields, its metadata or a policy's document, never leave the log this way, nor a field another
 * event type declares).
 */
const COPIED = new Map<EventType, readonly string[]>(EVENT_DEFINITIONS.map((definition) => [definition.type, Object.keys(definition.fields)]));

/** The audit entry types that may project to an event (for filtering reads), from the definitions. */
export const EVENT_ENTRY_TYPES: readonly AuditEntryType[] = [...CHOICES.keys()] as AuditEntryType[];

/** Which event an entry is, if any. A type no definition names (a newer server's) is no event. */
function typeOf(entry: EventEntry): EventType | null {
  for (const choice of CHOICES.get(entry.type) ?? []) {
    if (choice.when === true || choice.when(entry as EntryOf<AuditEntryType>)) return choice.type;
  }
  return null;
}

export function eventOfEntry(entry: EventEntry): GatehouseEvent | null {
  const type = typeOf(entry);
  if (!type) return null;
  const data: GatehouseEvent["data"] = { seq: entry.seq, type, at: entry.time, agentId: entry.agentId };
  const fields: Record<string, unknown> = entry.data;
  for (const key of COPIED.get(type) ?? []) if (fields[key] !== undefined) data[key] = fields[key];
  const policy = fields.policy as { name?: unknown } | undefined;
  if (typeof policy?.name === "string") data.policyName = policy.name;
  DEFINITION_OF.get(type)?.project?.(entry, data);
  return { id: String(entry.seq), type, data };
}

/** Frames already serialized, per event object (events are not changed once projected). */
const frames = new WeakMap<object, string>();

/**
 * One event as a server-sent-events frame (`id`, `event`, `data`), for every stream that sends them.
 * Serialized once per event object: a live event fanned out to many streams, or a replay page
 * serialized in slices before it is written, costs one `JSON.stringify`.
 */
export function sseFrame(event: Pick<GatehouseEvent, "id" | "type" | "data">): string {
  let frame = frames.get(event);
  if (frame === undefined) {
    frame = `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
    frames.set(event, frame);
  }
  return frame;
}
