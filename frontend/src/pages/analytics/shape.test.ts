import { describe, expect, it } from "vitest";
import { emptyOverview, overview } from "./fixtures";
import {
  bucketStarts,
  daysBetween,
  draftSummary,
  fillRows,
  formatDuration,
  formatUsd,
  hasData,
  pivot,
  presetRange,
  rangeProblem,
  totalsBy,
} from "./shape";

describe("analytics shaping", () => {
  it("pivots points into one row per bucket of the range, filling gaps with 0", () => {
    const o = overview("2026-11-20", "2026-11-22");
    const { rows, series } = pivot(o.volume, "channel", "count", {
      start: o.start,
      end: o.end,
      bucket: "day",
    });
    expect(series).toEqual(["email", "whatsapp"]); // largest total first
    expect(rows.map((r) => r.label)).toEqual(["Nov 20", "Nov 21", "Nov 22"]);
    expect(rows.map((r) => [r.email, r.whatsapp])).toEqual([
      [12, 5],
      [7, 0],
      [0, 0],
    ]);
  });

  it("pivots hourly buckets and money", () => {
    const range = {
      start: "2026-11-20T00:00:00Z",
      end: "2026-11-20T03:00:00Z",
      bucket: "hour" as const,
    };
    const points = [
      { bucket: "2026-11-20T01:00:00Z", provider: "openai", cost_usd: 0.25 },
      { bucket: "2026-11-20T01:00:00+00:00", provider: "openai", cost_usd: 0.5 },
    ];
    const { rows } = pivot(points, "provider", "cost_usd", range);
    expect(rows.map((r) => [r.label, r.openai])).toEqual([
      ["Nov 20, 00:00", 0],
      ["Nov 20, 01:00", 0.75],
      ["Nov 20, 02:00", 0],
    ]);
    expect(bucketStarts(range.start, range.end, "hour")).toHaveLength(3);
  });

  it("fills rows with several fields per bucket", () => {
    const o = overview("2026-11-20", "2026-11-21");
    const rows = fillRows(o.sentiment, ["positive", "neutral", "negative"], {
      start: o.start,
      end: o.end,
      bucket: "day",
    });
    expect(rows.map((r) => [r.positive, r.neutral, r.negative])).toEqual([
      [4, 10, 3],
      [2, 4, 1],
    ]);
  });

  it("totals a series over the range, largest first", () => {
    const o = overview("2026-11-20", "2026-11-21");
    expect(totalsBy(o.by_category, "category", "count")).toEqual([
      { name: "billing", value: 12 },
      { name: "shipping", value: 4 },
    ]);
  });

  it("writes durations for people", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(0.3)).toBe("under 1 s");
    expect(formatDuration(42)).toBe("42 s");
    expect(formatDuration(252)).toBe("4 min 12 s");
    expect(formatDuration(240)).toBe("4 min");
    expect(formatDuration(3720)).toBe("1 h 2 min");
    expect(formatDuration(93_600)).toBe("1 d 2 h");
    expect(formatDuration(172_800)).toBe("2 d");
  });

  it("writes money", () => {
    expect(formatUsd(0)).toBe("$0.00");
    expect(formatUsd(0.0042)).toBe("$0.0042");
    expect(formatUsd(1234.5)).toBe("$1,234.50");
  });

  it("works out preset and custom ranges in UTC days", () => {
    expect(presetRange(7, new Date("2026-11-27T23:30:00Z"))).toEqual({
      from: "2026-11-21",
      to: "2026-11-27",
    });
    expect(daysBetween("2026-11-01", "2026-11-30")).toBe(30);
    expect(rangeProblem("2026-11-01", "2026-11-30")).toBeNull();
    expect(rangeProblem("2026-11-30", "2026-11-01")).toBe("'From' is after 'to'");
    expect(rangeProblem("2025-01-01", "2026-11-30")).toBe("The range is longer than 366 days");
    expect(rangeProblem("", "2026-11-30")).toBe("Enter both dates");
  });

  it("summarises draft outcomes", () => {
    const s = draftSummary(overview("2026-11-20", "2026-11-21").drafts);
    expect(s.decided).toBe(8);
    expect(s.acceptance).toBe(0.75);
    expect(s.asIs).toBe(0.5);
    expect(s.slices.map((x) => x.value)).toEqual([4, 2, 2, 3, 1]);
    expect(draftSummary(emptyOverview("2026-11-20", "2026-11-21").drafts).acceptance).toBeNull();
  });

  it("tells an empty range", () => {
    expect(hasData(emptyOverview("2026-11-20", "2026-11-21"))).toBe(false);
    expect(hasData(overview("2026-11-20", "2026-11-21"))).toBe(true);
  });
});
