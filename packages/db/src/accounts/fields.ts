import { newPasswordSchema, safeString, validationError, zodIssues } from "@gatehouse/core";
import { z } from "zod";
import { consoleOrigin } from "../infra/env";

// The fields every account form shares, with their caps. Private to this folder.

export const emailField = z
  .email("must be an email address")
  .max(320)
  .transform((e) => e.trim().toLowerCase());

export const nameField = safeString()
  .pipe(z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"))
  .refine((n) => !/[\r\n]/.test(n), "must be one line");

/** New passwords: the one rule of the catalogue in core (newPasswordSchema). */
export const newPasswordField = newPasswordSchema();

/** A password being checked (sign-in, current password): bounded, never judged. */
export const givenPasswordField = z.string().min(1, "is required").max(1_024);

/** The client's address as the console determined it (null or absent: unknown, not limited per address). */
export const sourceField = z.string().min(1).max(100).nullish();

/** A token from a link: what randomToken(43) makes. */
export const tokenField = z.string().regex(/^[0-9a-zA-Z]{43}$/, "is not a valid link");

export function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  return parsed.data;
}

/** A link to a console page carrying a token, on the one configured public origin (GATEHOUSE_CONSOLE_URL). */
export function link(path: string, token: string): string {
  const url = new URL(`/${path}`, consoleOrigin());
  url.searchParams.set("token", token);
  return url.toString();
}
