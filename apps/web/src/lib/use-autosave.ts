import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";

// Autosave of a document edited in the browser and stored with a revision (the policy draft): a pause in the
// editing saves it, each save names the revision it started from, and a save by someone else since is a conflict
// that stops the saving until the author reloads. The pure part (autosaveReducer, flushPlan, autosaveDue) holds
// those rules so the tests can read them; useAutosave binds them to React, a timer and the save call.

/** What the author is told: all saved, edits not saved yet, a save under way, changed elsewhere, or a failed save. */
export type AutosaveStatus = "saved" | "dirty" | "saving" | "conflict" | "error";

/** What the server answers for a stored document: at least the revision it is now at. */
export interface AutosaveRecord {
  revision: number;
}

export interface AutosaveState<T, R extends AutosaveRecord> {
  /** The working copy; null until the stored document is loaded. */
  value: T | null;
  /** The document as stored at `record.revision`. */
  saved: T | null;
  /** The server's last word on the document (its revision, and who saved it when). */
  record: R | null;
  status: AutosaveStatus;
  /** Why the last save failed, while the status is "error". */
  error: Error | null;
  /** How many times the document was loaded: a save's answer from before the last load is dropped. */
  loads: number;
}

export type AutosaveEvent<T, R extends AutosaveRecord> =
  /** The stored document, read from the server (first, after a reload, after a discard or a publication). */
  | { type: "load"; value: T; record: R }
  | { type: "edit"; value: T }
  /** A save of `value` starts (from the document as of load number `loads`). */
  | { type: "saving"; value: T; loads: number }
  | { type: "saved"; value: T; loads: number; record: R }
  | { type: "failed"; loads: number; error: Error; conflict: boolean }
  /** Something else (a publication) found the revision stale. */
  | { type: "conflict" };

export type Same<T> = (a: T, b: T) => boolean;

export function initialAutosave<T, R extends AutosaveRecord>(): AutosaveState<T, R> {
  return { value: null, saved: null, record: null, status: "saved", error: null, loads: 0 };
}

/** The autosave's rules, over `same` (whether two values of the document are the same text). */
export function autosaveReducer<T, R extends AutosaveRecord>(same: Same<T>) {
  return (state: AutosaveState<T, R>, event: AutosaveEvent<T, R>): AutosaveState<T, R> => {
    // An answer to a save that started before the document was loaded again (a reload, a discard) speaks of
    // a document the page no longer holds: it is dropped. The next save starts from the loaded revision, and
    // is a conflict if that earlier save went through.
    const stale = (loads: number) => loads !== state.loads;
    switch (event.type) {
      case "load":
        return { value: event.value, saved: event.value, record: event.record, status: "saved", error: null, loads: state.loads + 1 };
      case "edit": {
        if (state.saved === null) return state;
        // A conflict holds until a reload; a save under way says so until it answers.
        if (state.status === "conflict" || state.status === "saving") return { ...state, value: event.value };
        return { ...state, value: event.value, status: same(event.value, state.saved) ? "saved" : "dirty", error: null };
      }
      case "saving":
        if (stale(event.loads) || state.status === "conflict") return state;
        return { ...state, status: "saving", error: null };
      case "saved": {
        if (stale(event.loads)) return state;
        // The author may have typed on while it was saved: then there is more to save.
        const status = state.status === "conflict" ? "conflict" : state.value !== null && same(state.value, event.value) ? "saved" : "dirty";
        return { ...state, saved: event.value, record: event.record, status, error: null };
      }
      case "failed":
        if (stale(event.loads) || state.status === "conflict") return state;
        return event.conflict ? { ...state, status: "conflict", error: null } : { ...state, status: "error", error: event.error };
      case "conflict":
        return { ...state, status: "conflict", error: null };
    }
  };
}

/** What saving now would do: nothing (all saved, or nothing loaded), nothing until a reload (a conflict), or save this over that revision. */
export type FlushPlan<T> = { kind: "nothing" } | { kind: "blocked" } | { kind: "save"; value: T; revision: number; loads: number };

export function flushPlan<T, R extends AutosaveRecord>(state: AutosaveState<T, R>, same: Same<T>): FlushPlan<T> {
  if (state.status === "conflict") return { kind: "blocked" };
  if (state.value === null || state.saved === null || state.record === null || same(state.value, state.saved)) return { kind: "nothing" };
  return { kind: "save", value: state.value, revision: state.record.revision, loads: state.loads };
}

/**
 * Whether the timer should save after the next pause: only after an edit ("dirty"). A failed save waits for the
 * next edit (or an explicit flush, as publishing does) rather than retrying on its own; a save under way answers
 * first; a conflict waits for a reload.
 */
export function autosaveDue<T, R extends AutosaveRecord>(state: AutosaveState<T, R>, same: Same<T>): boolean {
  return state.status === "dirty" && flushPlan(state, same).kind === "save";
}

export interface AutosaveOptions<T, R extends AutosaveRecord> {
  /** Stores `value` over revision `revision`; a save by someone else since is refused (isConflict). */
  save: (value: T, revision: number) => Promise<R>;
  same: Same<T>;
  /** Whether a failed save's error says the revision was stale (an HTTP 409). */
  isConflict: (error: unknown) => boolean;
  /** The pause in editing after which the document is saved. */
  delayMs: number;
}

/**
 * The working copy of a stored document, saved after each pause in editing. `flush` saves now (before a
 * publication) and says whether everything is stored; `revision` is the revision stored, for a publication to name.
 */
export function useAutosave<T, R extends AutosaveRecord>(options: AutosaveOptions<T, R>) {
  const { same, delayMs } = options;
  // The state lives in a ref as well as in React's state so that flush, called right after an edit or while a save
  // is under way, reads the latest (React's state would only show it at the next render).
  const [state, setState] = useState<AutosaveState<T, R>>(initialAutosave);
  const current = useRef(state);
  const latestOptions = useRef(options);
  useLayoutEffect(() => {
    latestOptions.current = options;
  });
  const dispatch = useCallback((event: AutosaveEvent<T, R>) => {
    current.current = autosaveReducer<T, R>(latestOptions.current.same)(current.current, event);
    setState(current.current);
  }, []);

  const inFlight = useRef<Promise<boolean> | null>(null);
  const flush = useCallback(async (): Promise<boolean> => {
    // One save at a time: each starts from the revision the one before it answered.
    while (inFlight.current) await inFlight.current;
    const { save, same, isConflict } = latestOptions.current;
    const plan = flushPlan(current.current, same);
    if (plan.kind !== "save") return plan.kind === "nothing";
    const { value, revision, loads } = plan;
    dispatch({ type: "saving", value, loads });
    const attempt = save(value, revision).then(
      (record) => {
        dispatch({ type: "saved", value, loads, record });
        return true;
      },
      (error: unknown) => {
        dispatch({ type: "failed", loads, error: error instanceof Error ? error : new Error(String(error)), conflict: isConflict(error) });
        return false;
      },
    );
    inFlight.current = attempt;
    try {
      return await attempt;
    } finally {
      inFlight.current = null;
    }
  }, [dispatch]);

  // A pause in editing saves: each edit starts the wait again.
  const due = autosaveDue(state, same);
  useEffect(() => {
    if (!due) return;
    const timer = setTimeout(() => void flush(), delayMs);
    return () => clearTimeout(timer);
  }, [due, state.value, delayMs, flush]);

  return {
    value: state.value,
    record: state.record,
    status: state.status,
    error: state.error,
    load: useCallback((value: T, record: R) => dispatch({ type: "load", value, record }), [dispatch]),
    /** Replaces the working copy with what `next` makes of it. */
    edit: useCallback((next: (value: T | null) => T) => dispatch({ type: "edit", value: next(current.current.value) }), [dispatch]),
    flush,
    /** Something else found the stored revision stale: stop saving until a reload. */
    conflict: useCallback(() => dispatch({ type: "conflict" }), [dispatch]),
    /** The revision stored, as of the last save or load. */
    revision: useCallback(() => current.current.record?.revision ?? 0, []),
  };
}
