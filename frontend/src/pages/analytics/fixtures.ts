// API-shaped analytics bodies (api/analytics/schemas.py) for the tests.
import type { Overview } from "./shape";

const DAY = 86_400_000;

function window(from: string, to: string) {
  return {
    start: `${from}T00:00:00Z`,
    end: new Date(Date.parse(to) + DAY).toISOString().replace(".000Z", "Z"),
  };
}

/** An overview of [from, to] with data on its first two days. */
export function overview(from: string, to: string, bucket: "day" | "hour" = "day"): Overview {
  const d0 = `${from}T00:00:00Z`;
  const d1 = new Date(Date.parse(from) + DAY).toISOString().replace(".000Z", "Z");
  return {
    ...window(from, to),
    bucket,
    volume: [
      { bucket: d0, channel: "email", count: 12 },
      { bucket: d0, channel: "whatsapp", count: 5 },
      { bucket: d1, channel: "email", count: 7 },
    ],
    by_category: [
      { bucket: d0, category: "billing", count: 9 },
      { bucket: d1, category: "billing", count: 3 },
      { bucket: d1, category: "shipping", count: 4 },
    ],
    by_intent: [
      { bucket: d0, intent: "card_arrival", count: 6 },
      { bucket: d1, intent: "card_arrival", count: 2 },
      { bucket: d1, intent: "refund_request", count: 5 },
    ],
    sentiment: [
      { bucket: d0, positive: 4, neutral: 10, negative: 3 },
      { bucket: d1, positive: 2, neutral: 4, negative: 1 },
    ],
    first_response: { median_seconds: 252, p90_seconds: 3720, count: 14 },
    resolution: { median_seconds: 93_600, p90_seconds: 266_400, count: 6 },
    automation_rate: { rate: 0.25, inbound: 24, drafted: 12, approved: 6 },
    drafts: { approved_as_is: 4, edited: 2, rejected: 2, pending: 3, failed: 1 },
    spend: [
      { bucket: d0, provider: "openai", cost_usd: 1.25 },
      { bucket: d0, provider: "anthropic", cost_usd: 0.5 },
      { bucket: d1, provider: "openai", cost_usd: 0.75 },
    ],
    total_usd: 2.5,
  };
}

export function emptyOverview(from: string, to: string): Overview {
  return {
    ...window(from, to),
    bucket: "day",
    volume: [],
    by_category: [],
    by_intent: [],
    sentiment: [],
    first_response: { median_seconds: null, p90_seconds: null, count: 0 },
    resolution: { median_seconds: null, p90_seconds: null, count: 0 },
    automation_rate: { rate: 0, inbound: 0, drafted: 0, approved: 0 },
    drafts: { approved_as_is: 0, edited: 0, rejected: 0, pending: 0, failed: 0 },
    spend: [],
    total_usd: 0,
  };
}
