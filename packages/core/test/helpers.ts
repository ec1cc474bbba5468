import { expect } from "vitest";
import { DomainError, type FieldIssue } from "../src/errors";

/** Runs `run`, asserts it threw a VALIDATION DomainError, and returns its field issues. */
export function validationIssues(run: () => unknown): FieldIssue[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    const domainError = error as DomainError;
    expect(domainError.code).toBe("VALIDATION");
    const details = domainError.details as { issues: FieldIssue[] };
    expect(Array.isArray(details.issues)).toBe(true);
    return details.issues;
  }
  throw new Error("expected a VALIDATION DomainError, but nothing was thrown");
}

export function issuePaths(run: () => unknown): string[] {
  return validationIssues(run).map((issue) => issue.path);
}
