import { endRunBodySchema, runDetailSchema, runListQuerySchema, runListSchema, runParams, runSchema } from "../runs";
import type { RouteContract } from "./contract";

/** Runs: an agent's calls grouped by the runId it chose, their timelines, and their end. */
export const runRoutes = [
  {
    operationId: "listRuns",
    method: "GET",
    path: "/v1/runs",
    summary: "Runs: an agent's calls grouped by the runId it chose",
    description:
      "The most recently active first. A member's key (`agents.read`) sees the org's runs; an agent's key sees its own: those rooted at it or started by it, and for a delegate those it made a call in.",
    tag: "Runs",
    auth: "key",
    permission: "agents.read",
    query: runListQuerySchema,
    success: { status: 200, description: "A page of runs.", json: runListSchema },
  },
  {
    operationId: "getRun",
    method: "GET",
    path: "/v1/runs/:id",
    summary: "One run with its timeline",
    description:
      "Its decisions with their reasons, each approval with who voted and why, each outcome and its end, oldest first (the newest 500 decisions). An agent's key may name the run by the runId it chose; a root agent reads its delegates' calls too, a delegate only its own. Another org's run, or one the agent may not see: 404.",
    tag: "Runs",
    auth: "key",
    permission: "agents.read",
    params: runParams,
    success: { status: 200, description: "The run and its timeline.", json: runDetailSchema },
  },
  {
    operationId: "endRun",
    method: "POST",
    path: "/v1/runs/:id/end",
    summary: "End a run",
    description:
      "By the run's root agent or the agent that started it (anyone else: 404): `completed` (default), `failed` or `cancelled`, recorded as a `run.ended` entry. Ending it again with the same status answers the run; a later call naming its runId picks it up again.",
    tag: "Runs",
    auth: "agent",
    params: runParams,
    body: endRunBodySchema,
    bodyOptional: true,
    success: { status: 200, description: "The run as it now stands.", json: runSchema },
  },
] as const satisfies readonly RouteContract[];
