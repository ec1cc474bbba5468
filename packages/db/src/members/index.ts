export { listMembers } from "./list-members";
