// The package's public verbs, by what they govern. Each folder's index names its public verbs; the
// files behind them (caches, SQL, helpers shared inside the package) are not exported from here.
export * from "./infra";
export * from "./actors";
export * from "./auth";
export * from "./orgs";
export * from "./accounts";
export * from "./mail";
export * from "./members";
export * from "./invitations";
export * from "./agents";
export * from "./keys";
export * from "./delegations";
export * from "./policies";
export * from "./decisions";
export * from "./runs";
export * from "./budgets";
export * from "./approvals";
export * from "./audit";
export * from "./events";
export * from "./rollups";
export * from "./anomalies";
export * from "./overview";
export * from "./posture";
export * from "./policy-rollout";
export * from "./webhooks";
export * from "./notifications";
export { isDomainError, DomainError, DOMAIN_ERROR_STATUS, sseFrame, hasPermission, WEBHOOK_EVENT_TYPES, type Permission } from "@gatehouse/core";
export type { DevJson } from "./seed";
