import { z } from "zod";
import { named } from "./common";

export const healthSchema = named(
  "Health",
  z.object({ ok: z.boolean(), database: z.enum(["up", "down"]), redis: z.enum(["up", "down", "disabled"]) }),
  "Whether the service can answer: the database is required; Redis carries signals between instances.",
);
