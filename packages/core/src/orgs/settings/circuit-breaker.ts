import { breakerSettings, breakerSettingsSchema } from "../../agents/circuit-breaker";
import { groupSetting, lowered, raised } from "./setting";

/** `circuitBreaker`: how many failures within a window open an agent's breaker, and how long it stays open. */
export const circuitBreakerSetting = groupSetting(breakerSettingsSchema, {
  read: breakerSettings,
  describe:
    "The circuit breaker: `failureThreshold` failures within `windowSeconds` open an agent's breaker (its calls answer CIRCUIT_OPEN) for `cooldownSeconds` (10 within 60 s, 30 s, unless changed).",
  describeChange: "`failureThreshold` 1 to 10,000, `windowSeconds` and `cooldownSeconds` 1 to 86,400. Raising the threshold or lowering either time weakens enforcement.",
  rules: {
    failureThreshold: raised("raised: an agent's breaker opens only after more failures"),
    windowSeconds: lowered("lowered: failures are counted over a shorter window, so the breaker opens less often"),
    cooldownSeconds: lowered("lowered: an open breaker lets the agent act again sooner"),
  },
});
