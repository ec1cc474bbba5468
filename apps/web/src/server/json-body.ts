import "server-only";
import { validationError } from "@gatehouse/core";
import type { NextRequest } from "next/server";

/**
 * The JSON body of a console POST. Only application/json is accepted, so a cross-site form cannot
 * send it without a CORS preflight; anything else (or text that is not JSON) is the VALIDATION error
 * (400). An empty body counts as `{}`.
 */
export async function readJsonBody(request: NextRequest): Promise<unknown> {
  if (!request.headers.get("content-type")?.toLowerCase().startsWith("application/json")) {
    throw validationError([{ path: "body", message: "send the request as application/json" }]);
  }
  const text = await request.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw validationError([{ path: "body", message: "is not valid JSON" }]);
  }
}
