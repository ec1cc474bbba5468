import { healthSchema } from "../health";
import type { RouteContract } from "./contract";

/** The service's own routes, public: its health and the OpenAPI document that describes the API. */
export const serviceRoutes = [
  {
    operationId: "health",
    method: "GET",
    path: "/healthz",
    summary: "Health",
    description: "200 when the database answers; 503 when it does not. Redis is reported but not required.",
    tag: "Service",
    auth: "public",
    success: { status: 200, description: "The service is up.", json: healthSchema },
  },
  {
    operationId: "openApi",
    method: "GET",
    path: "/openapi.json",
    summary: "This document",
    description: "The OpenAPI 3.1 description of the API, generated from its contracts. A rendered reference is at `/docs`.",
    tag: "Service",
    auth: "public",
    success: { status: 200, description: "The OpenAPI document.", raw: { mediaTypes: ["application/json"], description: "An OpenAPI 3.1 document." } },
  },
] as const satisfies readonly RouteContract[];
