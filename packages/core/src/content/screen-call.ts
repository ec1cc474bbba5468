import type { ActionRequest } from "../actions/action-result";
import { screenLogData } from "../audit/log-fields";
import { validationError } from "../errors";
import type { ContentActions } from "./content-rules";
import { judgeLocalFindings } from "./model-traffic";
import type { ContentFinding, ContentScreen, Screened } from "./screen-content";

export interface ScreenedCall {
  metadata: Screened<ActionRequest["metadata"]>;
  dataAccessed: Screened<ActionRequest["dataAccessed"]>;
  /** A run's name is kept on the run (never in the log), screened as the call's other text is. */
  runName: Screened<string> | undefined;
  findings: ContentFinding[];
  /** A finding of a class set to `deny`: the call is refused (CONTENT_DENIED). */
  denied: boolean;
}

/**
 * A call's text through the content screen (docs/content.md), the same for execute and canI, so both
 * answer alike: the identifiers its entry would carry (core's LOG_FIELDS of `action.decided`: its
 * action type, eventId, runId, tool name) are refused with a 400 naming the field when they hold what
 * the rules would redact or refuse — rewriting one would break idempotency, its run or its policies —
 * and a model's name when the rules find anything in it (it is logged and priced as sent). Then its
 * metadata, data access and run name as the rules say, and what the caller's own screen found (`screened`)
 * by the same `actions`. Pure: no round trip.
 *
 * `withoutContent`: a call whose content could not be screened within its budget (CONTENT_LIMIT): its
 * identifiers are screened as always, and nothing of its metadata, data access or run name is kept.
 */
export function screenCall(screen: ContentScreen, request: ActionRequest, actions: ContentActions, options: { withoutContent?: boolean } = {}): ScreenedCall {
  if (request.spend && screen(request.spend.model, ["spend.model"]).findings.length > 0) {
    throw validationError([{ path: "spend.model", message: "holds content the org's content rules look for (a secret or personal data); send the model's name" }]);
  }
  const identifiers = screenLogData(
    "action.decided",
    {
      actionType: request.actionType,
      ...(request.eventId === undefined ? {} : { eventId: request.eventId }),
      ...(request.tool ? { tool: { name: request.tool.name } } : {}),
      ...(request.runId === undefined ? {} : { run: { runId: request.runId } }),
    },
    screen,
  );
  if (identifiers.issues.length > 0) throw validationError(identifiers.issues);
  // What the caller's own screen found (a model call's prompt, docs/guardrails.md): its paths are caller
  // text that reaches the log, held like identifiers; its findings judged by the same rules as the metadata's.
  const screened = request.screened ?? [];
  screened.forEach((finding, i) => {
    if (screen(finding.path, []).findings.length > 0) {
      throw validationError([
        { path: `screened[${i}].path`, message: "holds content the org's content rules look for (a secret or personal data); name where it was found, not what" },
      ]);
    }
  });
  const local = judgeLocalFindings(screened, actions, "prompt");
  if (options.withoutContent) {
    return { metadata: nothingOf({}), dataAccessed: nothingOf([]), runName: undefined, findings: local.findings, denied: local.denied };
  }
  const metadata = screen(request.metadata, ["metadata"]);
  const dataAccessed = screen(request.dataAccessed, ["dataAccessed"]);
  const runName = request.runName === undefined ? undefined : screen(request.runName, ["runName"]);
  return {
    metadata,
    dataAccessed,
    runName,
    findings: [...metadata.findings, ...dataAccessed.findings, ...(runName?.findings ?? []), ...local.findings],
    denied: metadata.denied || dataAccessed.denied || (runName?.denied ?? false) || local.denied,
  };
}

/** A value kept in place of content that was not screened: nothing of it, no findings. */
function nothingOf<T>(value: T): Screened<T> {
  return { value, findings: [], denied: false };
}
