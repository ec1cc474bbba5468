export { createOrg, type CreatedOrg } from "./create-org";
export { getOrgSettings, type OrgSettings } from "./get-org-settings";
export { updateOrgSettings } from "./update-org-settings";
export { authenticateUser, EMAIL_UNVERIFIED } from "./authenticate-user";
export { listMemberOrgs, type MemberOrg } from "./list-member-orgs";
export { getMemberContext } from "./get-member-context";
export { getOrg } from "./get-org";
export { updateOrg } from "./update-org";
export { checkSessionSignInPolicy, SSO_REQUIRED, type SignInPolicyDeps } from "./sign-in-policy";
