import { actionResultSchema, outcomeSchema } from "@gatehouse/contracts";
import type { z } from "zod";

/**
 * An answer its route's contract refuses. Thrown inside the group commit, before the batch's statement, so
 * the item fails alone and nothing of it is written: the caller hears a 500 naming its request id (the fields
 * are named in the server's log, never their values), and the log holds no decision the caller was not told of.
 */
export class UnanswerableError extends Error {
  constructor(what: string, issues: readonly z.core.$ZodIssue[]) {
    super(`the ${what} does not fit its response contract, so it was not recorded: ${issues.map((issue) => `${issue.path.join(".") || "(answer)"} ${issue.code}`).join("; ")}`);
    this.name = "UnanswerableError";
  }
}

/**
 * An answer is checked against the zod schema of its response (packages/contracts) once it is built and before
 * the commit it reports: what the schema accepts, the API's serializer writes (packages/contracts/test/response-
 * schemas.test.ts holds the two together), so a recorded decision is always answered. It costs about 1.3 µs of CPU
 * for a typical decision's answer and 6 µs for one with 40 conditions (values of any shape are not walked).
 */
function check(what: string, schema: z.ZodType, answer: unknown): void {
  const parsed = schema.safeParse(answer);
  if (!parsed.success) throw new UnanswerableError(what, parsed.error.issues);
}

/** execute's answer (ActionResult), before its decision is committed. */
export function checkDecisionAnswer(answer: unknown): void {
  check("decision's answer", actionResultSchema, answer);
}

/** report's answer (Outcome), before its outcome is committed. */
export function checkOutcomeAnswer(answer: unknown): void {
  check("outcome's answer", outcomeSchema, answer);
}
