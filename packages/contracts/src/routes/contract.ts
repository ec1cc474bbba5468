import type { Permission } from "@gatehouse/core";
import type { z } from "zod";

/**
 * Who may call a route: nobody needs a key (`public`); any key of the org (`key`); an agent's key
 * (`agent`: a member's key is refused with 403 by the service); a member's admin key (`admin`: an
 * agent's key is refused with 403 before anything else; the member's role is checked by the service).
 */
export type RouteAuth = "public" | "key" | "agent" | "admin";

/** A response that is not JSON: its media types, described for the reference. */
export interface RawContent {
  mediaTypes: readonly string[];
  description: string;
  /** For an event stream: the schema of each event's `data`. */
  itemSchema?: z.ZodType;
}

export interface RouteContract {
  operationId: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Fastify style: `/v1/approvals/:id`. */
  path: string;
  summary: string;
  description?: string;
  tag:
    | "Decisions"
    | "Content"
    | "Runs"
    | "Budgets"
    | "Approvals"
    | "Audit"
    | "Events"
    | "Policies"
    | "Agents"
    | "Delegations"
    | "Organization"
    | "Members"
    | "Integrations"
    | "Posture"
    | "Service";
  auth: RouteAuth;
  /** The catalogue permission a member's key needs (checked before anything is parsed; the service checks it again). */
  permission?: Permission;
  params?: z.ZodObject;
  query?: z.ZodType;
  /** Request headers the route reads besides `Authorization` (documented; the handler checks them). */
  headers?: z.ZodObject;
  /**
   * The JSON body, by its schema (strict: a field it does not define is a 400). A route that declares
   * neither `body` nor `rawBody` takes none: a request carrying one is refused (400 naming `body`)
   * before it is read.
   */
  body?: z.ZodType;
  /** The body may be left out (an empty POST). Default: required when `body` is given. */
  bodyOptional?: boolean;
  /** A body the route reads as text itself, of these media types, instead of a JSON schema: Slack's signed requests. */
  rawBody?: RawContent;
  /** The success status and its JSON body; `raw` for streams and downloads (or a text alternative). */
  success: { status: 200 | 201; description: string; json?: z.ZodType; raw?: RawContent };
  /** A second success answer (202: accepted, waiting for something, e.g. a publish waiting for approval). */
  accepted?: { status: 202; description: string; json: z.ZodType };
  /** The body cap in bytes when it is not the server's 64 KB (a policy draft: 1 MB). */
  bodyLimit?: number;
  /**
   * Calls of one org through this route (and every route naming the same turn) run one at a time per
   * process, from before the body is read to the answer: the org's further calls wait their turn
   * (429 with Retry-After past the queue), so one org's heavy edits or scans never crowd the event loop
   * that every org's decisions share (docs/adr/0015).
   */
  orgTurn?: "policy editing" | "content scan";
}
