import { useReducer } from "react";
import { APPROVAL_SORTS, type ApprovalFilters, type ApprovalSort } from "./approvals";
import { useDebounced } from "./use-debounced";

// The approvals inbox's filters: the tab (pending or history), the agent, the action type as typed, and the
// order. They live in the page (not the URL): a fresh visit opens the default view, whose first page comes with
// the HTML. The pure part (the reducer and inboxView) is what the tests read; useInboxFilters binds it to React.

export type InboxTab = "pending" | "history";

export const INBOX_TABS: ReadonlyArray<{ value: InboxTab; label: string }> = [
  { value: "pending", label: "Pending" },
  { value: "history", label: "History" },
];

/** How long the action type field waits for the typing to pause before the list is asked for again. */
export const ACTION_TYPE_PAUSE_MS = 300;

export interface InboxFilterState {
  tab: InboxTab;
  /** The agent's id; empty for every agent. */
  agentId: string;
  /** The action type field as typed (untrimmed, so the field keeps what the member wrote). */
  actionType: string;
  sort: ApprovalSort;
}

export const DEFAULT_INBOX_FILTERS: InboxFilterState = { tab: "pending", agentId: "", actionType: "", sort: "newest" };

export type InboxFilterAction =
  | { type: "tab"; tab: InboxTab }
  | { type: "agent"; agentId: string }
  | { type: "actionType"; text: string }
  | { type: "sort"; sort: ApprovalSort }
  /** "Clear filters": every agent and action type, on the same tab and in the same order. */
  | { type: "clear" };

export function inboxFiltersReducer(state: InboxFilterState, action: InboxFilterAction): InboxFilterState {
  switch (action.type) {
    case "tab":
      return { ...state, tab: action.tab };
    case "agent":
      return { ...state, agentId: action.agentId };
    case "actionType":
      return { ...state, actionType: action.text };
    case "sort":
      return { ...state, sort: action.sort };
    case "clear":
      return { ...state, agentId: "", actionType: "" };
  }
}

/**
 * Whether the change shows another list, so the selection goes back to following its top. The order only
 * rearranges the approvals already shown: the one open stays open.
 */
export function changesList(action: InboxFilterAction): boolean {
  return action.type !== "sort";
}

/** The order the sort menu names; anything else (a value the menu never offered) is the default, newest first. */
export function parseApprovalSort(value: string): ApprovalSort {
  return APPROVAL_SORTS.find((sort) => sort.value === value)?.value ?? "newest";
}

/**
 * What the list asks the API for, given the filters and the action type once the typing paused: the tab's
 * status, and the agent and action type when set (a blank action type is none). `defaultView` is the view whose
 * first page the server rendered (pending, unfiltered): only it may start from that page.
 */
export function inboxView(state: Pick<InboxFilterState, "tab" | "agentId">, settledActionType: string): { filters: ApprovalFilters; filtered: boolean; defaultView: boolean } {
  const actionType = settledActionType.trim();
  const filters: ApprovalFilters = {
    status: state.tab === "pending" ? "pending" : "decided",
    ...(state.agentId ? { agentId: state.agentId } : {}),
    ...(actionType ? { actionType } : {}),
  };
  const filtered = Boolean(state.agentId || actionType);
  return { filters, filtered, defaultView: state.tab === "pending" && !filtered };
}

/**
 * The inbox's filters and the query they make. `onListChange` runs when a change shows another list (not on a
 * change of order): the inbox lets its selection follow the new list's top.
 */
export function useInboxFilters({ onListChange }: { onListChange: () => void }) {
  const [state, dispatch] = useReducer(inboxFiltersReducer, DEFAULT_INBOX_FILTERS);
  const settledActionType = useDebounced(state.actionType.trim(), ACTION_TYPE_PAUSE_MS);
  const change = (action: InboxFilterAction) => {
    dispatch(action);
    if (changesList(action)) onListChange();
  };
  return {
    ...state,
    ...inboxView(state, settledActionType),
    setTab: (tab: InboxTab) => change({ type: "tab", tab }),
    setAgentId: (agentId: string) => change({ type: "agent", agentId }),
    setActionType: (text: string) => change({ type: "actionType", text }),
    /** Takes the sort menu's value as it comes (a string). */
    setSort: (value: string) => change({ type: "sort", sort: parseApprovalSort(value) }),
    clear: () => change({ type: "clear" }),
  };
}
