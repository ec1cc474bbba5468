export { systemCtx, type Actor, type Ctx, type OrgRef } from "./context";
export { requirePermissionUnlessAgent, requirePermission } from "./require-permission";
export { noteAgentSeen } from "./note-agent-seen";
