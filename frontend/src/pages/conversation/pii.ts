// PII masking. Span offsets index the text as the models received it, in Unicode code points
// (Python string indices), so the text is cut by code point, not by UTF-16 unit: an emoji
// before a span must not shift the mask.
import type { PiiSpan } from "./model";

export interface Segment {
  text: string;
  /** the PII type when this segment is personal data */
  pii: string | null;
}

/** The text cut into plain and PII segments; overlapping spans are merged. */
export function segments(text: string, spans: PiiSpan[]): Segment[] {
  if (spans.length === 0) return text ? [{ text, pii: null }] : [];
  const points = Array.from(text);
  const sorted = spans
    .map((s) => ({
      type: s.type,
      start: Math.max(0, Math.min(s.start, points.length)),
      end: Math.max(0, Math.min(s.end, points.length)),
    }))
    .filter((s) => s.end > s.start)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: { type: string; start: number; end: number }[] = [];
  for (const span of sorted) {
    const previous = merged[merged.length - 1];
    if (previous && span.start < previous.end) {
      previous.end = Math.max(previous.end, span.end);
      if (previous.type !== span.type) previous.type = `${previous.type}/${span.type}`;
    } else merged.push({ ...span });
  }
  const out: Segment[] = [];
  let at = 0;
  for (const span of merged) {
    if (span.start > at) out.push({ text: points.slice(at, span.start).join(""), pii: null });
    out.push({ text: points.slice(span.start, span.end).join(""), pii: span.type });
    at = span.end;
  }
  if (at < points.length) out.push({ text: points.slice(at).join(""), pii: null });
  return out;
}

/** The text with each PII span replaced by "•••" and its type, e.g. "call [••• phone]". */
export function maskedText(text: string, spans: PiiSpan[]): string {
  return segments(text, spans)
    .map((s) => (s.pii ? `[••• ${s.pii}]` : s.text))
    .join("");
}
