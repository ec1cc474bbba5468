export { createDelegation } from "./create-delegation";
export { revokeDelegation } from "./revoke-delegation";
export { listDelegations, getDelegation, getDelegationTree } from "./read-delegations";
export { expireDelegations, expireDueDelegations } from "./expire-delegations";
export type { ResolvedChain } from "./chain";
