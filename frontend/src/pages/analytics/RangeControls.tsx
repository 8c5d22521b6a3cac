// The date range (presets or custom from/to, UTC days) and the bucket, kept in the URL so a
// view can be shared.
import { Box, Button, TextField, ToggleButton, ToggleButtonGroup } from "@mui/material";
import { useState, type FormEvent } from "react";
import { useSearchParams } from "react-router-dom";
import {
  daysBetween,
  DEFAULT_DAYS,
  MAX_HOURLY_DAYS,
  presetRange,
  PRESETS,
  rangeProblem,
  type Bucket,
} from "./shape";

export interface Range {
  /** a preset's days, or null for a custom range */
  days: number | null;
  from: string;
  to: string;
  bucket: Bucket;
}

/** The range the URL asks for (the last 14 days by default). */
export function useRange(): [Range, (next: Partial<Range>) => void] {
  const [params, setParams] = useSearchParams();
  const from = params.get("from") ?? "";
  const to = params.get("to") ?? "";
  const custom = !!from && !!to && rangeProblem(from, to) === null;
  const asked = Number(params.get("days"));
  const days = custom
    ? null
    : (PRESETS as readonly number[]).includes(asked)
      ? asked
      : DEFAULT_DAYS;
  const span = custom ? { from, to } : presetRange(days ?? DEFAULT_DAYS);
  const hourly =
    params.get("bucket") === "hour" && daysBetween(span.from, span.to) <= MAX_HOURLY_DAYS;
  const range: Range = { days, ...span, bucket: hourly ? "hour" : "day" };
  const update = (next: Partial<Range>) => {
    const merged = { ...range, ...next };
    const out = new URLSearchParams();
    if (merged.days === null) {
      out.set("from", merged.from);
      out.set("to", merged.to);
    } else if (merged.days !== DEFAULT_DAYS) {
      out.set("days", String(merged.days));
    }
    if (merged.bucket === "hour") out.set("bucket", "hour");
    setParams(out, { replace: true });
  };
  return [range, update];
}

export function RangeControls({
  range,
  onChange,
}: {
  range: Range;
  onChange: (next: Partial<Range>) => void;
}) {
  const [custom, setCustom] = useState(range.days === null);
  const [from, setFrom] = useState(range.from);
  const [to, setTo] = useState(range.to);
  const [problem, setProblem] = useState<string | null>(null);
  const hourlyAllowed = daysBetween(range.from, range.to) <= MAX_HOURLY_DAYS;

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const wrong = rangeProblem(from, to);
    setProblem(wrong);
    if (!wrong) onChange({ days: null, from, to });
  };

  return (
    <Box sx={{ display: "flex", gap: 2, flexWrap: "wrap", alignItems: "flex-start", mb: 2 }}>
      <ToggleButtonGroup
        size="small"
        exclusive
        aria-label="Date range"
        value={custom ? "custom" : String(range.days)}
        onChange={(_, value: string | null) => {
          if (value === null) return;
          if (value === "custom") {
            setCustom(true);
            setFrom(range.from);
            setTo(range.to);
            return;
          }
          setCustom(false);
          setProblem(null);
          onChange({ days: Number(value) });
        }}
      >
        {PRESETS.map((d) => (
          <ToggleButton key={d} value={String(d)}>
            {d} days
          </ToggleButton>
        ))}
        <ToggleButton value="custom">Custom</ToggleButton>
      </ToggleButtonGroup>
      {custom ? (
        <Box
          component="form"
          noValidate
          onSubmit={apply}
          sx={{ display: "flex", gap: 1, alignItems: "flex-start" }}
          aria-label="Custom range"
        >
          <TextField
            size="small"
            type="date"
            label="From"
            value={from}
            onChange={(e) => setFrom(e.target.value)}
            slotProps={{ inputLabel: { shrink: true } }}
            error={!!problem}
            helperText={problem ?? "UTC day, included"}
          />
          <TextField
            size="small"
            type="date"
            label="To"
            value={to}
            onChange={(e) => setTo(e.target.value)}
            slotProps={{ inputLabel: { shrink: true } }}
            error={!!problem}
            helperText="UTC day, included"
          />
          <Button type="submit" variant="outlined">
            Apply
          </Button>
        </Box>
      ) : null}
      <ToggleButtonGroup
        size="small"
        exclusive
        aria-label="Bucket"
        value={range.bucket}
        onChange={(_, value: Bucket | null) => value && onChange({ bucket: value })}
      >
        <ToggleButton value="day">By day</ToggleButton>
        <ToggleButton
          value="hour"
          disabled={!hourlyAllowed}
          title={
            hourlyAllowed ? undefined : `By hour needs a range of ${MAX_HOURLY_DAYS} days or less`
          }
        >
          By hour
        </ToggleButton>
      </ToggleButtonGroup>
    </Box>
  );
}
