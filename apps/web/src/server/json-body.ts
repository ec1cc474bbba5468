import "server-only";
import { formatIssuePath, REQUEST_BODY_LIMITS, scanJsonText, validationError } from "@gatehouse/core";
import type { NextRequest } from "next/server";

/** The largest body a console route reads: a policy draft's 1 MB source, JSON-escaped. */
const MAX_CONSOLE_BODY_CHARS = 2 * 1024 * 1024;
/** The same limit in bytes as they arrive (UTF-8, at most three bytes per character JSON.parse counts as one). */
const MAX_CONSOLE_BODY_BYTES = 3 * MAX_CONSOLE_BODY_CHARS;

const tooLarge = () => validationError([{ path: "body", message: `must be at most ${MAX_CONSOLE_BODY_CHARS} characters` }]);

/**
 * The JSON body of a console write, the one reader every route handler uses (through memberRoute).
 * Only application/json is accepted (a cross-site form cannot send it without a CORS preflight). The
 * body is read with a cap (a Content-Length past it is refused unread; a longer stream stops at the
 * cap), then counted (depth, values, keys: the API's body limits) before JSON.parse sees it; anything
 * refused is the VALIDATION error (400) naming where. An empty body counts as `{}`.
 */
export async function readJsonBody(request: NextRequest): Promise<unknown> {
  if (!request.headers.get("content-type")?.toLowerCase().startsWith("application/json")) {
    throw validationError([{ path: "body", message: "send the request as application/json" }]);
  }
  const text = await boundedText(request);
  if (text.length > MAX_CONSOLE_BODY_CHARS) throw tooLarge();
  if (text.trim() === "") return {};
  const over = scanJsonText(text, REQUEST_BODY_LIMITS);
  if (over) throw validationError([{ path: formatIssuePath(over.path) || "body", message: over.message }]);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw validationError([{ path: "body", message: "is not valid JSON" }]);
  }
}

async function boundedText(request: NextRequest): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_CONSOLE_BODY_BYTES) throw tooLarge();
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > MAX_CONSOLE_BODY_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}
