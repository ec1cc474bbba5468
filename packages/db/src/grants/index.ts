// Standing grants (docs/approvals.md): at the top of the package, beside notifications/ (a grant is made by a vote).
export { grantFromApproval, listGrants, revokeGrant } from "./standing-grants";
