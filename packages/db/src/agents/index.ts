export type { AgentView } from "./agent-view";
export { createAgent, type CreatedAgent } from "./create-agent";
export { getAgentOverview, listAgentOverviews, type AgentOverview } from "./agent-overview";
export { listAgents } from "./list-agents";
export { setAgentStatus } from "./set-agent-status";
export { integrationOf, noteIntegration } from "./note-integration";
export { recordHeartbeat } from "./record-heartbeat";
export { detectUnresponsiveAgents } from "./detect-unresponsive";
