import { describe, expect, it } from "vitest";
import { maskedText, segments } from "./pii";

describe("PII masking", () => {
  it("replaces each span with its type", () => {
    const text = "mail me at a@b.co or call 555 0100";
    const spans = [
      { type: "email", start: 11, end: 17 },
      { type: "phone", start: 26, end: 34 },
    ];
    expect(maskedText(text, spans)).toBe("mail me at [••• email] or call [••• phone]");
  });

  it("counts offsets in code points, as the models do (an emoji before a span)", () => {
    const text = "😀 hi a@b.co";
    // Python: "😀 hi a@b.co".index("a@b.co") == 5 (the emoji is one code point, two UTF-16 units)
    expect(maskedText(text, [{ type: "email", start: 5, end: 11 }])).toBe("😀 hi [••• email]");
  });

  it("merges overlapping spans and clamps spans past the end", () => {
    expect(
      segments("abcdefgh", [
        { type: "person", start: 2, end: 5 },
        { type: "address", start: 4, end: 7 },
        { type: "card", start: 7, end: 99 },
      ]),
    ).toEqual([
      { text: "ab", pii: null },
      { text: "cdefg", pii: "person/address" },
      { text: "h", pii: "card" },
    ]);
  });

  it("leaves text without spans alone", () => {
    expect(segments("hello", [])).toEqual([{ text: "hello", pii: null }]);
    expect(segments("", [])).toEqual([]);
  });
});
