export { systemCtx, type Actor, type Ctx, type OrgRef } from "./context";
export { requirePermission } from "./require-permission";
