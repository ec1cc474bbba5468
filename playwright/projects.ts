/**
 * The specs that act as the org global-setup.ts seeds (stack.org, stack.member, stack.agent): they read and change one
 * org's agents, approvals, policies and log, so playwright.config.ts runs them one at a time, in file order, in a
 * project of their own; every other spec makes orgs of its own and runs beside them. A spec that uses the seeded org
 * must be named here: scripts/test/house/playwright-projects.test.ts fails when one is not.
 */
export const SHARED_ORG_SPECS = ["agents", "approvals", "audit", "console", "delegations", "event-streams", "policies", "runs", "webhooks"];
