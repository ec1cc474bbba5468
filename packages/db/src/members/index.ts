export { listMembers } from "./list-members";
export { changeMemberRole } from "./change-member-role";
export { removeMember, leaveOrg } from "./remove-member";
