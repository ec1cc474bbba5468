import { z } from "zod";
import { named, safeString } from "./common";

// Signing the CLI in from the console (`gatehouse login --web`; docs/cli.md): the device flow's two public calls.

export const startCliLoginBodySchema = named(
  "StartCliLoginRequest",
  z.strictObject({
    client: safeString().min(1).max(100).describe("What the CLI is (its version)."),
    deviceName: safeString().min(1).max(100).optional().describe("The device it runs on (its host name), as the CLI names it."),
  }),
  "What asks for the login, shown to the member who confirms it with the address it came from and its User-Agent.",
);

export const startedCliLoginSchema = named(
  "CliLogin",
  z.object({
    userCode: z.string().describe("The code to confirm in the console (ABCD-EFGH)."),
    verificationUri: z.string().describe("The console page where a signed-in member confirms the code."),
    verificationUriComplete: z.string().describe("The same page with the code filled in."),
    pollToken: z.string().describe("The secret to poll with (ghcli_…); only its hash is stored."),
    expiresIn: z.number().int().describe("Seconds the login lives."),
    interval: z.number().int().describe("Seconds to wait between polls."),
  }),
  "A login waiting for a member to confirm it in the console.",
);

export const collectCliLoginBodySchema = named("CollectCliLoginRequest", z.strictObject({ pollToken: z.string().min(1).max(100) }), "The poll secret the login answered.");

export const collectedCliLoginSchema = named(
  "CliLoginState",
  z.discriminatedUnion("status", [
    z.object({ status: z.literal("pending"), interval: z.number().int() }),
    z.object({ status: z.enum(["denied", "expired"]) }),
    z.object({
      status: z.literal("approved"),
      apiKey: z.string().describe("The member's new admin key, answered this once. It expires in 30 days; refresh it before then (POST /v1/admin/keys/:id/refresh)."),
      key: z.object({ id: z.string(), prefix: z.string(), expiresAt: z.string().nullable() }),
      org: z.object({ slug: z.string(), name: z.string() }),
    }),
  ]),
  "Where the login stands: still waiting, refused or gone (denied, expired), or confirmed with the key.",
);

export type StartedCliLoginView = z.infer<typeof startedCliLoginSchema>;
export type CollectedCliLoginView = z.infer<typeof collectedCliLoginSchema>;
