// Formatting shared by the inbox and the conversation page: relative ages, the SLA rule,
// percentages and money.
import { useEffect, useState } from "react";
import type { components } from "../../api/schema";

export type Conversation = components["schemas"]["ConversationRead"];
export type ConversationStatus = components["schemas"]["Status"];
export type Priority = components["schemas"]["Priority"];

export const STATUSES: ConversationStatus[] = ["open", "pending", "snoozed", "resolved"];
export const PRIORITIES: Priority[] = ["urgent", "high", "normal", "low"];

export const PRIORITY_COLOR: Record<Priority, "error" | "warning" | "default" | "info"> = {
  urgent: "error",
  high: "warning",
  normal: "default",
  low: "info",
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "5 min ago", "3 h ago", "2 d ago"; a date beyond a month. */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return "";
  const diff = now - then;
  // A moment in the future by less than a minute is clock skew between browser and server.
  if (diff < 0 && diff > -MINUTE) return "just now";
  if (diff < 0) {
    const ahead = -diff;
    if (ahead < HOUR) return `in ${Math.max(1, Math.round(ahead / MINUTE))} min`;
    if (ahead < DAY) return `in ${Math.round(ahead / HOUR)} h`;
    return `in ${Math.round(ahead / DAY)} d`;
  }
  if (diff < MINUTE) return "just now";
  if (diff < HOUR) return `${Math.floor(diff / MINUTE)} min ago`;
  if (diff < DAY) return `${Math.floor(diff / HOUR)} h ago`;
  if (diff < 30 * DAY) return `${Math.floor(diff / DAY)} d ago`;
  return new Date(iso).toLocaleDateString();
}

export function absoluteTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleString();
}

/**
 * The SLA rule of the inbox. A conversation is waiting on the team while its status is `open`
 * (`pending` waits on the customer; snoozed and resolved wait on nobody). `last_message_at`
 * moves with every message, inbound or outbound, so an open conversation whose last message
 * is more than an hour old has had no reply for over an hour: it is "overdue". Past
 * 45 minutes it is "due soon", so agents can pick it up before it breaches.
 */
export const SLA_FIRST_REPLY_MS = HOUR;
export const SLA_WARNING_MS = 45 * MINUTE;

export type SlaState = "overdue" | "due-soon" | null;

export function slaState(
  conversation: Pick<Conversation, "status" | "last_message_at">,
  now: number = Date.now(),
): SlaState {
  if (conversation.status !== "open") return null;
  const waited = now - new Date(conversation.last_message_at).getTime();
  if (Number.isNaN(waited)) return null;
  if (waited > SLA_FIRST_REPLY_MS) return "overdue";
  if (waited > SLA_WARNING_MS) return "due-soon";
  return null;
}

export function percent(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return `${Math.round(value * 100)}%`;
}

export function usd(value: number | null | undefined): string {
  return `$${(value ?? 0).toFixed(4)}`;
}

export function capitalize(value: string): string {
  return value ? value[0]!.toUpperCase() + value.slice(1) : value;
}

/** The current time, ticking every `everyMs` so relative ages stay right on an idle page. */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
