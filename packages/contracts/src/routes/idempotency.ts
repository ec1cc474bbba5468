import { actionRequestSchema } from "@gatehouse/core";
import { z } from "zod";

/** An idempotency key has the shape of a decision's eventId. */
export const idempotencyKey = actionRequestSchema.shape.eventId;

/** For the calls that answer a secret once (an agent, a key): a retry gets a fresh secret for the same object. */
export const issueIdempotencyHeaders = (what: string) =>
  z.object({
    "idempotency-key": idempotencyKey
      .optional()
      .describe(
        `Makes the call safe to retry (the SDK sends one per call and the same on every retry): within 24 hours, a retry with this key by the same caller (the same API key, or the same member's session), after the checks the first call ran, answers ${what} with a fresh secret, and the first secret stops working. The same value from any other caller is a new call; the audit log records only a digest bound to the caller.`,
      ),
  });

/** For the decision calls: the key is the decision's eventId, and a retry answers the original decision. */
export const idempotencyHeaders = z.object({
  "idempotency-key": idempotencyKey.describe("The decision's eventId (the SDK sends one per call and the same on every retry): a retry answers the original decision."),
});
