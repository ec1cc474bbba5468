import type { Decision } from "../policy/evaluate";
import { applyRewrites, type RewriteRefusal, type Rewritten } from "../policy/rewrite";
import { argsDigestOf, type ActionRequest } from "./action-result";

const ARGUMENTS = "metadata.arguments";

/**
 * A call as its policies' rewrites leave it (docs/policies.md, Rewriting a call): the metadata with
 * every change made and, for a tool call, the arguments' digest recomputed, so the decision, its entry
 * and its approval are bound to the call as it will run. A tool call is rewritten only when its
 * metadata is the adapters' `{ arguments }` (the digest it names is of `metadata.arguments`) and every
 * change is inside those arguments: otherwise the agent could not make the change the decision is bound
 * to, and the call is refused (`REWRITE_REFUSED`), as it is when a rewrite cannot be made at all.
 */
export function rewriteRequest(request: ActionRequest, decision: Pick<Decision, "rewrites">): { request: ActionRequest; rewritten?: Rewritten } | { refused: RewriteRefusal } {
  if (!decision.rewrites || decision.rewrites.length === 0) return { request };
  const made = applyRewrites(request.metadata, decision.rewrites);
  if ("refused" in made) return made;
  if (made.changes.length === 0) return { request };
  const rewritten: Rewritten = { changes: made.changes };
  if (!request.tool) return { request: { ...request, metadata: made.metadata }, rewritten };
  const outside = made.changes.find((change) => change.path !== ARGUMENTS && !change.path.startsWith(`${ARGUMENTS}.`));
  if (outside) {
    return {
      refused: {
        policy: outside.policy,
        path: outside.path,
        message: `${outside.path} is not one of the tool call's arguments (metadata.arguments): the agent cannot make that change`,
      },
    };
  }
  const sent = Object.hasOwn(request.metadata, "arguments") ? request.metadata.arguments : undefined;
  if (sent === undefined || argsDigestOf(sent) !== request.tool.argsDigest) {
    const first = made.changes[0] as Rewritten["changes"][number];
    return {
      refused: {
        policy: first.policy,
        path: first.path,
        message: "the tool call's metadata.arguments are not the arguments its digest names, so their rewrite cannot be bound to the call",
      },
    };
  }
  const args = Object.hasOwn(made.metadata, "arguments") ? made.metadata.arguments : null;
  return { request: { ...request, metadata: made.metadata, tool: { name: request.tool.name, argsDigest: argsDigestOf(args ?? null) } }, rewritten };
}
