export { subscribeEvents } from "./subscribe-events";
export { EVENT_FEED_LIMITS, type EventFeed, type EventFeedLimits } from "./event-feed";
