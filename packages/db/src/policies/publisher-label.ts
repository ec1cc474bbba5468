/**
 * Who published a policy version, as a person reads it: the actor of its `policy.version_published`
 * audit entry (`ae`) labelled with the member's email (for a member or their admin key), the agent's
 * name, or else the actor's id. SQL pieces for the queries that show it (the version list, the policy
 * list).
 */
export const PUBLISHER_LABEL = `COALESCE(um.email, uk.email, ag.name, ae.actor_id)`;

export const PUBLISHER_JOINS = `
     LEFT JOIN memberships m ON ae.actor_type = 'member' AND m.id = ae.actor_id AND m.org_id = ae.org_id
     LEFT JOIN users um ON um.id = m.user_id
     LEFT JOIN api_keys k ON ae.actor_type = 'adminKey' AND k.id = ae.actor_id AND k.org_id = ae.org_id
     LEFT JOIN memberships km ON km.id = k.membership_id
     LEFT JOIN users uk ON uk.id = km.user_id
     LEFT JOIN agents ag ON ae.actor_type = 'agent' AND ag.id = ae.actor_id AND ag.org_id = ae.org_id`;
