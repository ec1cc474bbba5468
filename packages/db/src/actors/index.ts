export { systemCtx, type Actor, type Ctx, type OrgRef } from "./context";
export { requirePermissionUnlessAgent, requirePermission } from "./require-permission";
