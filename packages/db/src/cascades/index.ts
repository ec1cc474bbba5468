// Changes that end what hung on them, in one transaction: closing an org (its approvals, invitations,
// SSO domains and keys), revoking a key (the delegations under it), removing a member or changing a
// member's role (their sessions, standing grants, invitations and keys). They reach into the folders
// whose rows they end, so they stand at the top of the order.
export { closeOrg, ORG_CLOSED_REASON } from "./close-org";
export { revokeApiKey } from "./revoke-api-key";
export { removeMember, leaveOrg } from "./remove-member";
export { changeMemberRole } from "./change-member-role";
