import { validationError } from "../errors";

/**
 * A route takes the body its contract declares, and no other (docs/edge.md, Bodies): one that
 * declares none refuses any, before it is read, so a body a route does not define can never change
 * what it does. Whether a request carries a body is what its headers say: a Content-Length other than
 * 0, or a Transfer-Encoding (a chunked body's length is known only once it is read). The API's route
 * registration (apps/api/src/contract.ts) and the console's wrapper (memberRoute) both ask this.
 */
export function carriesBody(contentLength: string | null | undefined, transferEncoding: string | null | undefined): boolean {
  if (transferEncoding !== undefined && transferEncoding !== null) return true;
  return contentLength !== undefined && contentLength !== null && !/^0+$/.test(contentLength.trim());
}

/** The refusal of a body on a route that declares none: 400 VALIDATION naming `body`. */
export function undeclaredBody() {
  return validationError([{ path: "body", message: "this route takes no body: send the request without one" }]);
}
