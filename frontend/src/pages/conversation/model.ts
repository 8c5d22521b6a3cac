// The conversation page's records, and the Classification read defensively from a message
// (the API types it as a free-form object; its shape is ARCHITECTURE.md's).
import type { components } from "../../api/schema";

export type Message = components["schemas"]["MessageRead"];
export type Draft = components["schemas"]["DraftRead"];
export type Note = components["schemas"]["NoteRead"];
export type LabelHead = components["schemas"]["LabelCreate"]["head"];

export interface Guess {
  label: string;
  confidence: number | null;
}

export interface PiiSpan {
  type: string;
  start: number;
  end: number;
}

export interface Classification {
  intent: (Guess & { runnerUp: Guess | null }) | null;
  category: Guess | null;
  sentiment: (Guess & { score: number | null }) | null;
  priority: { label: string; score: number | null; reasons: string[] } | null;
  language: Guess | null;
  pii: PiiSpan[];
  needsReview: boolean;
  modelVersion: string | null;
}

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj | null {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Obj) : null;
}

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function guess(value: unknown): Guess | null {
  const o = obj(value);
  if (!o || typeof o.label !== "string") return null;
  return { label: o.label, confidence: num(o.confidence) };
}

export function readClassification(
  raw: unknown,
  modelVersion: string | null = null,
): Classification | null {
  const c = obj(raw);
  if (!c) return null;
  const intent = guess(c.intent);
  const sentiment = guess(c.sentiment);
  const priority = obj(c.priority);
  const pii = Array.isArray(c.pii) ? c.pii : [];
  return {
    intent: intent ? { ...intent, runnerUp: guess(obj(c.intent)?.runner_up) } : null,
    category: guess(c.category),
    sentiment: sentiment ? { ...sentiment, score: num(obj(c.sentiment)?.score) } : null,
    priority:
      priority && typeof priority.label === "string"
        ? {
            label: priority.label,
            score: num(priority.score),
            reasons: Array.isArray(priority.reasons)
              ? priority.reasons.filter((r): r is string => typeof r === "string")
              : [],
          }
        : null,
    language: guess(c.language),
    pii: pii.flatMap((span) => {
      const s = obj(span);
      const start = num(s?.start);
      const end = num(s?.end);
      return s && start !== null && end !== null && end > start
        ? [{ type: typeof s.type === "string" ? s.type : "pii", start, end }]
        : [];
    }),
    needsReview: c.needs_review === true,
    modelVersion: typeof c.model_version === "string" ? c.model_version : modelVersion,
  };
}

/** The text the models read (ingestion's `classification_text`): the body, else the subject. */
export function classifiedText(message: Pick<Message, "text" | "subject">): "text" | "subject" {
  return message.text.trim() ? "text" : "subject";
}

export function senderLabel(sender: Message["sender"]): string | null {
  for (const key of ["name", "email", "phone", "external_id"]) {
    const value = sender[key];
    if (typeof value === "string" && value) return value;
  }
  return null;
}
