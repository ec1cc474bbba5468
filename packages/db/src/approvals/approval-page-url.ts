import { consoleOrigin } from "../infra/env";

/** The console page where a person decides an approval, on the one configured public origin (GATEHOUSE_CONSOLE_URL). */
export function approvalPageUrl(orgSlug: string, approvalId: string): string {
  const url = new URL(`/o/${encodeURIComponent(orgSlug)}/approvals`, consoleOrigin());
  url.searchParams.set("approval", approvalId);
  return url.toString();
}
