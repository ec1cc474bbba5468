import { sseFrame, type GatehouseEvent } from "./event-of-entry";

/**
 * What an event stream says about itself, beside the events of the log. Notices are server-sent
 * events of their own types, never audit entries, and are sent whatever `types` a stream asked for.
 * - `replay.truncated`: the first event when `Last-Event-ID` is older than the replay window. Its
 *   id is the sequence number the replay resumes after, so a client that reconnects from it is not
 *   told again; what it skipped is in the audit log (`GET /v1/audit/export`, the console's Audit page).
 * - `stream.closed`: the last event before the server closes a stream whose reader fell too far
 *   behind. It has no id: a reconnect resumes after the last event the reader actually received.
 */
export const STREAM_NOTICE_TYPES = ["replay.truncated", "stream.closed"] as const;
export type StreamNoticeType = (typeof STREAM_NOTICE_TYPES)[number];

export type StreamNotice =
  | {
      type: "replay.truncated";
      data: {
        type: "replay.truncated";
        /** The Last-Event-ID the client sent. */
        requestedAfter: number;
        /** The replay starts after this sequence number (the notice's id). */
        resumesAfter: number;
        /** The sequence numbers the replay skipped, inclusive: read them from the audit log. */
        skipped: { fromSeq: number; toSeq: number };
        /** How many log entries a replay goes back at most. */
        window: number;
        message: string;
      };
    }
  | {
      type: "stream.closed";
      data: { type: "stream.closed"; reason: "slow_reader"; message: string };
    };

export function replayTruncated(input: { requestedAfter: number; resumesAfter: number; window: number }): StreamNotice {
  const { requestedAfter, resumesAfter, window } = input;
  return {
    type: "replay.truncated",
    data: {
      type: "replay.truncated",
      requestedAfter,
      resumesAfter,
      skipped: { fromSeq: requestedAfter + 1, toSeq: resumesAfter },
      window,
      message: `A replay goes back at most ${window} log entries: it resumes after ${resumesAfter}. Entries ${requestedAfter + 1} to ${resumesAfter} are in the audit log (GET /v1/audit/export).`,
    },
  };
}

export function streamClosedSlowReader(limit: number): StreamNotice {
  return {
    type: "stream.closed",
    data: {
      type: "stream.closed",
      reason: "slow_reader",
      message: `More than ${limit} events waited for this reader: the stream is closed. Reconnect with Last-Event-ID to replay what was missed.`,
    },
  };
}

/** A notice as a server-sent-events frame (a replay notice carries the id it resumes after; a closing one none). */
export function sseNoticeFrame(notice: StreamNotice): string {
  const id = notice.type === "replay.truncated" ? `id: ${notice.data.resumesAfter}\n` : "";
  return `${id}event: ${notice.type}\ndata: ${JSON.stringify(notice.data)}\n\n`;
}

/** What an event stream sends next: an event of the log, or a notice about the stream. */
export type FeedItem = { kind: "event"; event: GatehouseEvent } | { kind: "notice"; notice: StreamNotice };

/** Every event stream's first bytes: the reconnection delay a client should use, and a comment. */
export const SSE_PREAMBLE = `retry: 2000\n: connected\n\n`;

/** The frame a stream sends for `item`, or a heartbeat comment when nothing came (null). */
export function feedFrame(item: FeedItem | null): string {
  if (item === null) return `: ping\n\n`;
  return item.kind === "event" ? sseFrame(item.event) : sseNoticeFrame(item.notice);
}
