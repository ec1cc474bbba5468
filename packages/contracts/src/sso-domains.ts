import { ssoDomainSchema } from "@gatehouse/core";
import { z } from "zod";
import { named } from "./common";

export const ssoDomainClaimSchema = named(
  "SsoDomainClaim",
  z.object({
    domain: z.string(),
    status: z.enum(["pending", "verified"]).describe("`pending` routes nobody; `verified`: people at the domain who sign in with SSO join this org."),
    record: z
      .object({ type: z.literal("TXT"), name: z.string(), value: z.string() })
      .describe("The DNS record that proves the domain: publish it, then verify. The token is this org's own for this domain."),
    verifiedAt: z.string().nullable(),
  }),
  "A domain of `signIn.ssoDomains`, whether it is proved, and the DNS TXT record that proves it.",
);

export const ssoDomainClaimListSchema = named(
  "SsoDomainClaimList",
  z.object({ domains: z.array(ssoDomainClaimSchema) }),
  "The org's claimed SSO domains, in the order of `signIn.ssoDomains`.",
);

export const verifySsoDomainBodySchema = named(
  "VerifySsoDomainRequest",
  z.strictObject({ domain: ssoDomainSchema.describe("A domain of `signIn.ssoDomains`.") }),
  "The domain whose DNS TXT record to check.",
);

export type SsoDomainClaim = z.output<typeof ssoDomainClaimSchema>;
export type SsoDomainClaimList = z.output<typeof ssoDomainClaimListSchema>;
