export { subscribeEvents } from "./subscribe-events";
export { EVENT_FEED_LIMITS, REPLAY_SHARE_LIMITS, replayShare, type EventFeed, type EventFeedLimits } from "./event-feed";
