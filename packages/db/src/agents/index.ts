export type { AgentView } from "./agent-view";
export { createAgent, type CreatedAgent } from "./create-agent";
export { listAgents } from "./list-agents";
export { setAgentStatus } from "./set-agent-status";
