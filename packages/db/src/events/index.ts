export { subscribeEvents } from "./subscribe-events";
export { EVENT_FEED_LIMITS, type EventFeed, type EventFeedLimits, type FeedItem } from "./event-feed";
export { SSE_PREAMBLE, feedFrame } from "./feed-frame";
