export { KeyFailureThrottle, KEY_FAILURE_LIMITS, type KeyFailureLimits } from "./key-failure-throttle";
export { SignInThrottle, SIGN_IN_LIMITS, signInThrottle, type SignInAttempt, type SignInLimits } from "./sign-in-throttle";
/** The shared sliding-window counter the throttles count in (a test wraps it to see the round trips). */
export { rateLimiter, type RateLimiter } from "../infra/rate-limiter";
export { DEVICE_COOKIE_TTL_MS, deviceCookieKey, deviceCookieName, issueDeviceCookie, readDeviceCookie } from "./device-cookie";
