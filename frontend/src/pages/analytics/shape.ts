// Pure data shaping of the Analytics page: the API's per-bucket points become chart rows (one
// row per bucket, one column per series, empty buckets filled with 0), totals, durations.
import type { components } from "../../api/schema";

export type Overview = components["schemas"]["AnalyticsOverview"];
export type Bucket = Overview["bucket"];
export type DurationStats = components["schemas"]["DurationStats"];

export const PRESETS = [7, 14, 30, 90] as const;
export const DEFAULT_DAYS = 14;
export const MAX_DAYS = 366;
/** Longer ranges are read by day: an hourly chart of months is unreadable. */
export const MAX_HOURLY_DAYS = 31;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** One chart row: the bucket's start (epoch ms), its label, and a number per series. */
export type Row = { t: number; label: string } & Record<string, number | string>;

export interface Pivot {
  rows: Row[];
  /** series names, largest total first */
  series: string[];
}

/** YYYY-MM-DD of a date in UTC (the API's days are UTC days). */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The last `days` UTC days, today included. */
export function presetRange(days: number, today: Date = new Date()): { from: string; to: string } {
  const to = isoDay(today);
  const from = isoDay(new Date(Date.parse(to) - (days - 1) * DAY_MS));
  return { from, to };
}

/** Days from `from` to `to`, both included (0 when either is not a date). */
export function daysBetween(from: string, to: string): number {
  const a = Date.parse(from);
  const b = Date.parse(to);
  if (Number.isNaN(a) || Number.isNaN(b)) return 0;
  return Math.round((b - a) / DAY_MS) + 1;
}

/** What is wrong with a custom range, or null. */
export function rangeProblem(from: string, to: string): string | null {
  if (!from || !to || Number.isNaN(Date.parse(from)) || Number.isNaN(Date.parse(to)))
    return "Enter both dates";
  const days = daysBetween(from, to);
  if (days < 1) return "'From' is after 'to'";
  if (days > MAX_DAYS) return `The range is longer than ${MAX_DAYS} days`;
  return null;
}

const dayFormat = new Intl.DateTimeFormat("en", {
  month: "short",
  day: "numeric",
  timeZone: "UTC",
});
const hourFormat = new Intl.DateTimeFormat("en", {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZone: "UTC",
});

export function bucketLabel(t: number, bucket: Bucket): string {
  return (bucket === "hour" ? hourFormat : dayFormat).format(new Date(t));
}

/** Every bucket start in [start, end). */
export function bucketStarts(start: string, end: string, bucket: Bucket): number[] {
  const step = bucket === "hour" ? HOUR_MS : DAY_MS;
  const out: number[] = [];
  const first = Date.parse(start);
  const last = Date.parse(end);
  if (Number.isNaN(first) || Number.isNaN(last)) return out;
  for (let t = first; t < last; t += step) out.push(t);
  return out;
}

/** Points `{bucket, <seriesKey>, <valueKey>}` as one row per bucket of the range, one column
 *  per series (0 where a series has no point). */
export function pivot<T extends { bucket: string }>(
  points: T[],
  seriesKey: keyof T,
  valueKey: keyof T,
  range: { start: string; end: string; bucket: Bucket },
): Pivot {
  const totals = new Map<string, number>();
  const cells = new Map<number, Map<string, number>>();
  for (const point of points) {
    const name = String(point[seriesKey]);
    const value = Number(point[valueKey]) || 0;
    const t = Date.parse(point.bucket);
    totals.set(name, (totals.get(name) ?? 0) + value);
    const row = cells.get(t) ?? new Map<string, number>();
    row.set(name, (row.get(name) ?? 0) + value);
    cells.set(t, row);
  }
  const series = [...totals.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([name]) => name);
  const starts = new Set(bucketStarts(range.start, range.end, range.bucket));
  for (const t of cells.keys()) starts.add(t);
  const rows = [...starts]
    .sort((a, b) => a - b)
    .map((t) => {
      const row: Row = { t, label: bucketLabel(t, range.bucket) };
      for (const name of series) row[name] = cells.get(t)?.get(name) ?? 0;
      return row;
    });
  return { rows, series };
}

/** Points with several numeric fields per bucket (sentiment): one row per bucket of the range. */
export function fillRows<T extends { bucket: string }>(
  points: T[],
  fields: (keyof T & string)[],
  range: { start: string; end: string; bucket: Bucket },
): Row[] {
  const byT = new Map(points.map((p) => [Date.parse(p.bucket), p]));
  const starts = new Set(bucketStarts(range.start, range.end, range.bucket));
  for (const t of byT.keys()) starts.add(t);
  return [...starts]
    .sort((a, b) => a - b)
    .map((t) => {
      const row: Row = { t, label: bucketLabel(t, range.bucket) };
      const point = byT.get(t);
      const cells: Record<string, number | string> = row;
      for (const f of fields) cells[f] = point ? Number(point[f]) || 0 : 0;
      return row;
    });
}

/** Sum of each series over the range, largest first. */
export function totalsBy<T>(
  points: T[],
  key: keyof T,
  valueKey: keyof T,
): { name: string; value: number }[] {
  const totals = new Map<string, number>();
  for (const p of points) {
    const name = String(p[key]);
    totals.set(name, (totals.get(name) ?? 0) + (Number(p[valueKey]) || 0));
  }
  return [...totals.entries()]
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => b.value - a.value || a.name.localeCompare(b.name));
}

/** "4 min 12 s", "2 h 5 min", "3 d 4 h"; "—" when there is no figure. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const s = Math.round(seconds);
  if (s < 1) return "under 1 s";
  if (s < 60) return `${s} s`;
  const two = (big: number, bigUnit: string, small: number, smallUnit: string) =>
    small ? `${big} ${bigUnit} ${small} ${smallUnit}` : `${big} ${bigUnit}`;
  if (s < 3600) return two(Math.floor(s / 60), "min", s % 60, "s");
  if (s < 86_400) return two(Math.floor(s / 3600), "h", Math.floor((s % 3600) / 60), "min");
  return two(Math.floor(s / 86_400), "d", Math.floor((s % 86_400) / 3600), "h");
}

export function formatUsd(value: number): string {
  if (value === 0) return "$0.00";
  if (Math.abs(value) < 0.01) return `$${value.toFixed(4)}`;
  return `$${value.toLocaleString("en", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function formatPercent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

export interface DraftSlice {
  name: string;
  value: number;
}

/** Draft outcomes as chart slices, and the acceptance rate: approved (as-is or edited) among
 *  the drafts an agent decided on (null when none was decided). */
export function draftSummary(drafts: Overview["drafts"]): {
  slices: DraftSlice[];
  decided: number;
  acceptance: number | null;
  asIs: number | null;
} {
  const slices = [
    { name: "Approved as-is", value: drafts.approved_as_is },
    { name: "Edited, then approved", value: drafts.edited },
    { name: "Rejected", value: drafts.rejected },
    { name: "Pending", value: drafts.pending },
    { name: "Failed", value: drafts.failed },
  ];
  const decided = drafts.approved_as_is + drafts.edited + drafts.rejected;
  return {
    slices,
    decided,
    acceptance: decided ? (drafts.approved_as_is + drafts.edited) / decided : null,
    asIs: decided ? drafts.approved_as_is / decided : null,
  };
}

/** True when the range has anything to chart. */
export function hasData(o: Overview): boolean {
  const d = o.drafts;
  return (
    o.volume.length > 0 ||
    o.by_category.length > 0 ||
    o.by_intent.length > 0 ||
    o.sentiment.length > 0 ||
    o.spend.length > 0 ||
    o.first_response.count > 0 ||
    o.resolution.count > 0 ||
    o.automation_rate.inbound > 0 ||
    d.approved_as_is + d.edited + d.rejected + d.pending + d.failed > 0
  );
}
