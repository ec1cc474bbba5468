import { z } from "zod";
import { eventField, eventType } from "../event-type";

/**
 * A policy published or archived. Org-wide: an agent key's stream, which carries only its own agent's
 * entries, does not see it.
 */
export const policyChanged = eventType({
  type: "policy.changed",
  from: { "policy.version_published": true, "policy.archived": true },
  fields: {
    policyName: eventField.policyName,
    version: z.number().int().optional().describe("The version published (or, archived, the policy's last version)."),
    change: z.enum(["published", "archived"]).optional().describe("A new version went live, or the policy was archived."),
  },
  project(entry, data) {
    // Which policy, its version (the new one; an archive names the last), and what happened to it.
    const fields: Record<string, unknown> = entry.data;
    if (typeof fields.name === "string") data.policyName = fields.name;
    if (typeof fields.version === "number") data.version = fields.version;
    data.change = entry.type === "policy.archived" ? "archived" : "published";
  },
});
