import { dbEnv, type DbEnv } from "../infra/env";

/**
 * The instance's self-service sign-up setting (GATEHOUSE_SIGNUP): open (anyone may create an account
 * at /signup), invite (accounts come only through an invitation's accept link, which creates them
 * verified), off (no self-service accounts; operators create them).
 */
export type SignupMode = "open" | "invite" | "off";

export function signupMode(): SignupMode {
  return signupModeOf(dbEnv());
}

/** GATEHOUSE_SIGNUP; unset, open outside production (or started for development), invite in production (which refuses to start without it). */
export function signupModeOf(env: DbEnv): SignupMode {
  return env.GATEHOUSE_SIGNUP ?? (env.NODE_ENV === "production" && !env.GATEHOUSE_DEVELOPMENT ? "invite" : "open");
}
