export {
  authenticateApiKey,
  requireStandingKey,
  evictKeyCache,
  evictMemberKeys,
  evictOrgKeys,
  forgetKeysOnSignal,
  orgClosedKey,
  KEY_CACHE_TTL_MS,
  type KeyPrincipal,
} from "./authenticate-api-key";
export { issueAdminKey } from "./issue-admin-key";
export { issueOwnAdminKey } from "./issue-own-admin-key";
export { listAdminKeys, type AdminKeyView } from "./list-admin-keys";
export { refreshAdminKey } from "./refresh-admin-key";
export { issueAgentKey } from "./issue-agent-key";
export { listAgentKeys } from "./list-agent-keys";
export { whoami, type WhoAmI } from "./whoami";
export {
  collectCliLogin,
  decideCliLogin,
  normalizeUserCode,
  pendingCliLogin,
  startCliLogin,
  CLI_KEY_DAYS,
  LOGIN_TTL_MS,
  PENDING_PER_ADDRESS,
  type CollectedCliLogin,
  type PendingCliLogin,
  type StartedCliLogin,
} from "./cli-logins";
