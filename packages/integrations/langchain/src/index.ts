export { gatehouseDecision, gatehouseResume, type PendingInterrupt } from "./decision.ts";
export { isGatehouseInterrupt, type GatehouseApprovalRef, type GatehouseInterrupt } from "./interrupt.ts";
export { gatehouseMiddleware, type GatehouseMiddlewareOptions } from "./middleware.ts";
export { VERSION } from "./version.ts";
