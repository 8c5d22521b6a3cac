import { describe, expect, it } from "vitest";
import { percent, relativeTime, slaState, usd } from "./format";

const NOW = Date.parse("2026-11-02T12:00:00Z");
const ago = (ms: number) => new Date(NOW - ms).toISOString();

describe("inbox formatting", () => {
  it("flags open conversations with no reply for over an hour", () => {
    expect(slaState({ status: "open", last_message_at: ago(61 * 60_000) }, NOW)).toBe("overdue");
    expect(slaState({ status: "open", last_message_at: ago(50 * 60_000) }, NOW)).toBe("due-soon");
    expect(slaState({ status: "open", last_message_at: ago(10 * 60_000) }, NOW)).toBeNull();
    // waiting on the customer, snoozed or done: no clock runs
    expect(slaState({ status: "pending", last_message_at: ago(5 * 3_600_000) }, NOW)).toBeNull();
    expect(slaState({ status: "resolved", last_message_at: ago(5 * 3_600_000) }, NOW)).toBeNull();
  });

  it("writes ages relative to now", () => {
    expect(relativeTime(ago(10_000), NOW)).toBe("just now");
    expect(relativeTime(ago(-10_000), NOW)).toBe("just now"); // clock skew
    expect(relativeTime(ago(5 * 60_000), NOW)).toBe("5 min ago");
    expect(relativeTime(ago(3 * 3_600_000), NOW)).toBe("3 h ago");
    expect(relativeTime(ago(2 * 86_400_000), NOW)).toBe("2 d ago");
    expect(relativeTime(ago(-2 * 3_600_000), NOW)).toBe("in 2 h");
  });

  it("formats confidence and cost", () => {
    expect(percent(0.874)).toBe("87%");
    expect(percent(null)).toBe("–");
    expect(usd(0.00123)).toBe("$0.0012");
    expect(usd(0)).toBe("$0.0000");
  });
});
