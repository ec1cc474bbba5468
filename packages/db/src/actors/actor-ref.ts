import type { ActorRef } from "@gatehouse/core";
import type { Actor } from "./context";

/** How an actor is written into the audit log. */
export function actorRef(actor: Actor): ActorRef {
  switch (actor.type) {
    case "agent":
      // A delegate's entries also name its agents, root first and itself last (`agentChain`).
      return actor.delegation
        ? { type: "agent", id: actor.agentId, delegationChain: actor.delegationChain, agentChain: [actor.delegation.rootAgentId, ...actor.delegation.links.map((l) => l.agentId)] }
        : { type: "agent", id: actor.agentId, delegationChain: actor.delegationChain };
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
