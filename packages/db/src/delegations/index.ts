export { createDelegation } from "./create-delegation";
export { revokeDelegation } from "./revoke-delegation";
export { listDelegations, getDelegation, getDelegationTree, getAgentChain } from "./read-delegations";
export { expireDelegations, expireDueDelegations } from "./expire-delegations";
export type { ResolvedChain } from "../actors/delegation-chain";
