import type { PolicyDocument } from "./document";

/**
 * The starter policies the console's onboarding checklist applies with one button: reads are
 * allowed, deploys and merges wait for a person's approval, and everything else stays denied (an
 * action no policy matches is denied). Named `starter-*`, so applying them again changes nothing
 * and they sit beside any policies the org already has.
 */
export const STARTER_POLICIES: readonly PolicyDocument[] = [
  {
    name: "starter-allow-reads",
    description: "Agents may read: any action ending in .read or .list",
    actions: ["*.read", "*.list"],
    agents: ["*"],
    effect: "allow",
    mode: "enforce",
  },
  {
    name: "starter-approve-deploys-and-merges",
    description: "Deploys and pull-request merges wait for one approval by an approver, admin or owner",
    actions: ["deploy.*", "pr.merge"],
    agents: ["*"],
    effect: "require_approval",
    approval: { quorum: 1, timeoutSeconds: 3600, approverRoles: ["approver", "admin", "owner"], approvers: [], excludeAgentOwner: false },
    mode: "enforce",
  },
];
