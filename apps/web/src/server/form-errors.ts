import "server-only";
import { isDomainError } from "@gatehouse/db";
import type { FormState } from "@/components/form-fields";

/**
 * A refusal from an account service as a form's state: a 400 or 409 names its fields, every other
 * domain error is one message. Anything else (a redirect, a bug) is thrown on.
 */
export function formStateOf(error: unknown, values: Record<string, string>): FormState {
  if (!isDomainError(error)) throw error;
  const issues = (error.details as { issues?: Array<{ path?: unknown; message?: unknown }> } | undefined)?.issues ?? [];
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    if (typeof issue.path === "string" && typeof issue.message === "string" && !(issue.path in fields)) fields[issue.path] = issue.message;
  }
  const named = Object.keys(fields).length > 0;
  const message =
    error.code === "VALIDATION" && named
      ? "Check the fields marked below."
      : error.code === "RATE_LIMITED"
        ? `Too many attempts. Try again in ${error.retryAfterSeconds ?? 60} s.`
        : error.code === "UNAVAILABLE" && !error.message
          ? "This is unavailable right now. Try again in a moment."
          : error.message;
  return { error: message, fields, values };
}

/** The text fields of a form, passwords left out (they are never sent back to the page). */
export function formValues(form: FormData, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, String(form.get(name) ?? "")]));
}
