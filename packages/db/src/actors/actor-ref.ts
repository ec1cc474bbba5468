import type { ActorRef } from "@gatehouse/core";
import type { Actor } from "./context";

/** How an actor is written into the audit log. */
export function actorRef(actor: Actor): ActorRef {
  switch (actor.type) {
    case "agent":
      return { type: "agent", id: actor.agentId, delegationChain: actor.delegationChain };
    case "user":
      return { type: "member", id: actor.membershipId };
    case "adminKey":
      return { type: "adminKey", id: actor.keyId, memberId: actor.membershipId };
    case "system":
      return { type: "system", id: actor.name };
  }
}

export function actorLabel(actor: Actor): string {
  return actorRef(actor).id;
}
