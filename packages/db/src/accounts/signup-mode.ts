import { dbEnv } from "../infra/env";

/**
 * The instance's self-service sign-up setting (GATEHOUSE_SIGNUP): open (anyone may create an account
 * at /signup), invite (accounts come only through an invitation's accept link, which creates them
 * verified), off (no self-service accounts; operators create them).
 */
export type SignupMode = "open" | "invite" | "off";

export function signupMode(): SignupMode {
  return dbEnv().GATEHOUSE_SIGNUP;
}
