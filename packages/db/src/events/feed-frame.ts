import { sseFrame, sseNoticeFrame } from "@gatehouse/core";
import type { FeedItem } from "./event-feed";

/** Every stream's first bytes: the reconnection delay a client should use, and a comment. */
export const SSE_PREAMBLE = `retry: 2000\n: connected\n\n`;

/** What a connection sends for a feed's item: its server-sent-events frame, or a heartbeat comment when nothing came. */
export function feedFrame(item: FeedItem | null): string {
  if (item === null) return `: ping\n\n`;
  return item.kind === "event" ? sseFrame(item.event) : sseNoticeFrame(item.notice);
}
