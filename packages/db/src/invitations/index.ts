export { createInvitation, acceptUrlOf, type CreateInvitationDeps } from "./create-invitation";
export { listInvitations } from "./list-invitations";
export { revokeInvitation } from "./revoke-invitation";
export { acceptInvitation, type AcceptedInvitation } from "./accept-invitation";
export { getInvitationByToken, type InvitationPreview } from "./get-invitation-by-token";
export { invitationEmail } from "./invitation-email";
