import type { OrgSettings, PendingSettingsChange } from "@gatehouse/contracts";
import { useMutation } from "@tanstack/react-query";
import { useReducer, type FormEvent } from "react";
import { isPendingSettings, pendingSettingsMessage } from "./admin-api";
import { ApiError } from "./api-client";

// One section of the Settings page: a form over some of the org's values, saved on its own. Every section
// has the same life: the member edits a draft, saves it, and reads what came of it under the button ("Saved. …",
// a refusal, or that the change waits for a second admin). The pure part (settingSectionReducer) holds that life
// so it can be tested without a browser; useSettingSection binds it to React and the save to TanStack Query.

/** Equality for the plain values a form holds (strings, numbers, booleans, arrays and objects of them). */
export function sameValues(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every((key) => Object.hasOwn(b, key) && sameValues((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

export interface SettingSectionState<D> {
  /** The section's values as the page was last rendered with them (the server's, as of that render). */
  server: D;
  /** The values known to be saved: the server's, or what the last save answered if that is newer. */
  base: D;
  /** The form as the member has it. */
  draft: D;
  /** What came of the last save, shown under the button; cleared when the next save starts. */
  saved: string | null;
}

export type SettingSectionAction<D> =
  /** The member changed some of the form's fields. */
  | { type: "edit"; change: Partial<D> }
  /** A save starts: what the last one said no longer applies. */
  | { type: "submit" }
  /** The save was applied: these values are now the org's. */
  | { type: "saved"; values: D; message: string }
  /** The save was accepted but not applied (the two-admin rule holds it): the form keeps what the member chose. */
  | { type: "held"; message: string }
  /** The page was rendered again with these server values (a refresh after another section's save, or a navigation). */
  | { type: "server"; values: D };

export function initialSettingSection<D>(server: D): SettingSectionState<D> {
  return { server, base: server, draft: server, saved: null };
}

/** Whether the form differs from what is saved. */
export function isDirty<D>(state: SettingSectionState<D>): boolean {
  return !sameValues(state.draft, state.base);
}

export function settingSectionReducer<D>(state: SettingSectionState<D>, action: SettingSectionAction<D>): SettingSectionState<D> {
  switch (action.type) {
    case "edit":
      return { ...state, draft: { ...state.draft, ...action.change } };
    case "submit":
      return state.saved === null ? state : { ...state, saved: null };
    case "saved":
      // `server` is left alone: it is what the page was rendered with, and the page is not rendered again by a
      // save. Were it set here, the next render (still with the old values) would read as a change on the server.
      return { ...state, base: action.values, draft: action.values, saved: action.message };
    case "held":
      return { ...state, saved: action.message };
    case "server": {
      if (sameValues(action.values, state.server)) return state;
      // What a save already answered is no news; anything else replaces the form, unless the member is editing
      // it: their unsaved edits are kept (and now compared with the new values).
      if (sameValues(action.values, state.base)) return { ...state, server: action.values };
      return { ...state, server: action.values, base: action.values, draft: isDirty(state) ? state.draft : action.values };
    }
  }
}

/** The message a refusal gives for `field` or for any field under it (`signIn.ssoDomains` covers `signIn.ssoDomains.2`). */
export function fieldMessage(fields: Readonly<Record<string, string>>, field: string): string | null {
  if (Object.hasOwn(fields, field)) return fields[field] ?? null;
  const key = Object.keys(fields).find((k) => k.startsWith(`${field}.`));
  return key === undefined ? null : (fields[key] ?? null);
}

/** What a save answered, as the section reads it: applied (with the values now saved and what to say), or held. */
export type SettingOutcome<D> = { values: D; message: string } | { held: string };

/**
 * The outcome of a save through the settings route (PATCH /settings): held by the two-admin rule, or applied,
 * in which case `values` reads the section's values from the settings now in force and `message` says what
 * they mean.
 */
export function settingsOutcome<D>(values: (settings: OrgSettings) => D, message: (settings: OrgSettings) => string) {
  return (answer: OrgSettings | PendingSettingsChange): SettingOutcome<D> =>
    isPendingSettings(answer) ? { held: pendingSettingsMessage(answer) } : { values: values(answer), message: message(answer) };
}

export interface SettingSectionOptions<D, R> {
  /** The section's values as the server has them, in the form's shape (numbers as the text of their field). */
  server: D;
  /** Sends the draft; `base` is what is saved, for a save that sends only what changed. */
  save: (draft: D, base: D) => Promise<R>;
  /** Reads the answer (settingsOutcome for the settings route). */
  outcome: (answer: R) => SettingOutcome<D>;
  /** The refusal's field paths the section shows at its fields; a refusal naming none of them is shown under the button. */
  fields: readonly string[];
  /** After a save was applied (a refresh, so that the rest of the page shows it). */
  onSaved?: (answer: R) => void;
}

/**
 * A settings section's draft, its save and what came of it. Spread `saveRow` into the section's SaveRow; read a
 * field's refusal with `errorAt`.
 */
export function useSettingSection<D extends object, R>({ server, save, outcome, fields, onSaved }: SettingSectionOptions<D, R>) {
  const [state, dispatch] = useReducer(settingSectionReducer<D>, server, initialSettingSection<D>);
  // New server values (the page rendered again) are taken in during this render, not an effect later, so the form
  // never shows the old values beside the new ones.
  if (!sameValues(server, state.server)) dispatch({ type: "server", values: server });

  const mutation = useMutation({
    mutationFn: ({ draft, base }: { draft: D; base: D }) => save(draft, base),
    onSuccess: (answer) => {
      const read = outcome(answer);
      if ("held" in read) return dispatch({ type: "held", message: read.held });
      dispatch({ type: "saved", values: read.values, message: read.message });
      onSaved?.(answer);
    },
  });

  const refused = mutation.error instanceof ApiError ? mutation.error.fields : {};
  const errorAt = (field: string) => fieldMessage(refused, field);
  return {
    draft: state.draft,
    dirty: isDirty(state),
    set: (change: Partial<D>) => dispatch({ type: "edit", change }),
    submit: (event: FormEvent) => {
      event.preventDefault();
      dispatch({ type: "submit" });
      mutation.mutate({ draft: state.draft, base: state.base });
    },
    errorAt,
    saveRow: { pending: mutation.isPending, error: mutation.error, saved: state.saved, fieldNamed: fields.some((field) => errorAt(field) !== null) },
  };
}
