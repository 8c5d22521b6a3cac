// An integration's `health` object, as the API fills it in: the test endpoint writes
// {ok, checked_at (ISO), error}; pollers and webhooks write {last_success_at, last_error_at
// (epoch seconds), last_error}; the OAuth callback writes {connected_at}.
import type { Integration } from "./types";

export interface HealthSummary {
  state: "ok" | "error" | "unknown";
  lastOk: Date | null;
  lastError: Date | null;
  error: string | null;
}

function epoch(value: unknown): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return value * 1000;
  return null;
}

function iso(value: unknown): number | null {
  if (typeof value !== "string") return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

function latest(...values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? Math.max(...known) : null;
}

export function summarize(health: Integration["health"]): HealthSummary {
  const checked = iso(health.checked_at);
  const ok = latest(
    health.ok === true ? checked : null,
    epoch(health.last_success_at),
    epoch(health.connected_at),
  );
  const failed = latest(health.ok === false ? checked : null, epoch(health.last_error_at));
  const testError = health.ok === false && typeof health.error === "string" ? health.error : null;
  const pollError = typeof health.last_error === "string" ? health.last_error : null;
  // The newest failure's message: the test's if the test is the newest failure.
  const error =
    testError && checked !== null && checked === failed ? testError : (pollError ?? testError);
  const state =
    failed !== null && (ok === null || failed > ok) ? "error" : ok !== null ? "ok" : "unknown";
  return {
    state,
    lastOk: ok === null ? null : new Date(ok),
    lastError: failed === null ? null : new Date(failed),
    error: state === "error" ? error : null,
  };
}

export function when(date: Date | null): string {
  if (!date) return "never";
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
