export { Gatehouse, type GatehouseOptions } from "./client.ts";
export {
  APIConnectionError,
  APITimeoutError,
  APIUserAbortError,
  ApprovalTimeoutError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  DeniedError,
  GatehouseError,
  InternalServerError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
  type GatehouseErrorInit,
} from "./errors.ts";
export type {
  ActionResult,
  ActionStatus,
  ConditionEvaluation,
  DataAccess,
  DenialReason,
  ExecuteOptions,
  Fetch,
  RequestOptions,
  WhoAmI,
} from "./types.ts";
export { VERSION } from "./version.ts";
