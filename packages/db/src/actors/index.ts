export { systemCtx, type Actor, type Ctx, type OrgRef } from "./context";
export { requireMemberPermission, requirePermission } from "./require-permission";
