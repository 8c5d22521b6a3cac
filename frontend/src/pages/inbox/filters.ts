// The inbox's filters live in the URL query string, so a filtered view can be bookmarked,
// shared and restored with the back button.
import type { operations } from "../../api/schema";
import { PRIORITIES, STATUSES, type ConversationStatus, type Priority } from "./format";

export type StatusTab = ConversationStatus | "all";

export interface InboxFilters {
  status: StatusTab;
  priority: Priority | null;
  channel: string | null;
  /** "me", "none" or a user id */
  assignee: string | null;
  intent: string | null;
  category: string | null;
  q: string | null;
}

export const DEFAULT_STATUS: StatusTab = "open";
export const PAGE_SIZE = 50;

const ASSIGNEE = /^(me|none|[0-9a-fA-F-]{36})$/;

function text(params: URLSearchParams, name: string, max = 80): string | null {
  const value = params.get(name)?.trim();
  return value ? value.slice(0, max) : null;
}

export function readFilters(params: URLSearchParams): InboxFilters {
  const status = params.get("status");
  const priority = params.get("priority");
  const assignee = params.get("assignee");
  return {
    status:
      status === "all" || STATUSES.includes(status as ConversationStatus)
        ? (status as StatusTab)
        : DEFAULT_STATUS,
    priority: PRIORITIES.includes(priority as Priority) ? (priority as Priority) : null,
    channel: text(params, "channel"),
    assignee: assignee && ASSIGNEE.test(assignee) ? assignee : null,
    intent: text(params, "intent"),
    category: text(params, "category"),
    q: text(params, "q", 200),
  };
}

/** The query string for `filters` (the default status tab is left out). */
export function writeFilters(filters: InboxFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.status !== DEFAULT_STATUS) params.set("status", filters.status);
  for (const name of ["priority", "channel", "assignee", "intent", "category", "q"] as const) {
    const value = filters[name];
    if (value) params.set(name, value);
  }
  return params;
}

export function hasNarrowingFilters(filters: InboxFilters): boolean {
  return !!(
    filters.priority ||
    filters.channel ||
    filters.assignee ||
    filters.intent ||
    filters.category ||
    filters.q
  );
}

type ListQuery = NonNullable<
  operations["list_conversations_api_v1_conversations_get"]["parameters"]["query"]
>;

/**
 * The list request's query. The API filters on everything but `intent` today (it ignores
 * parameters it does not know), so `intent` is sent for when it does and the page also
 * narrows the rows it received by intent (see `matchesIntent`).
 */
export function listQuery(
  filters: InboxFilters,
  cursor: string | null,
): ListQuery & { intent?: string } {
  const query: ListQuery & { intent?: string } = { limit: PAGE_SIZE };
  if (filters.status !== "all") query.status = filters.status;
  if (filters.priority) query.priority = filters.priority;
  if (filters.channel) query.channel = filters.channel;
  if (filters.assignee) query.assignee = filters.assignee;
  if (filters.category) query.category = filters.category;
  if (filters.intent) query.intent = filters.intent;
  if (filters.q) query.q = filters.q;
  if (cursor) query.cursor = cursor;
  return query;
}

export function matchesIntent(intent: string | null, filters: InboxFilters): boolean {
  return !filters.intent || intent === filters.intent;
}
