// The per-process copies every decision reads instead of a query (ADR 0005): the agent, the org's
// settings, the org's compiled policies and its own content detectors, each dropped by its signal. They read only infra/, so every
// folder may read them.
export { invalidatePolicyCache } from "./policy-cache";
export { orgDetectors, forgetOrgDetectors, ORG_DETECTORS_TTL_MS } from "./org-detectors";
