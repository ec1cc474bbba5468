// The per-process copies every decision reads instead of a query (ADR 0005): the agent, the org's
// settings and the org's compiled policies, each dropped by its signal. They read only infra/, so every
// folder may read them.
export { invalidatePolicyCache } from "./policy-cache";
