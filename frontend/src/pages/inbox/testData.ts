// API-shaped records for the inbox and conversation tests.
import type { components } from "../../api/schema";
import { ME } from "../../test/server";

type S = components["schemas"];

export const CONVERSATION_ID = "11111111-1111-4111-8111-111111111111";
export const CONTACT_ID = "22222222-2222-4222-8222-222222222222";
export const OTHER_USER_ID = "33333333-3333-4333-8333-333333333333";
export const INBOUND_ID = "44444444-4444-4444-8444-444444444444";
export const OUTBOUND_ID = "55555555-5555-4555-8555-555555555555";
export const DRAFT_ID = "66666666-6666-4666-8666-666666666666";

export function conversation(over: Partial<S["ConversationRead"]> = {}): S["ConversationRead"] {
  const now = new Date().toISOString();
  return {
    id: CONVERSATION_ID,
    channel: "gmail",
    subject: "Refund for order 1042",
    status: "open",
    priority: "high",
    category: "billing",
    intent: "refund_request",
    sentiment: "negative",
    language: "en",
    tags: [],
    contact_id: CONTACT_ID,
    integration_id: null,
    assignee_id: null,
    snoozed_until: null,
    resolved_at: null,
    last_message_at: now,
    created_at: now,
    updated_at: now,
    ...over,
  };
}

export function contact(over: Partial<S["ContactRead"]> = {}): S["ContactRead"] {
  return {
    id: CONTACT_ID,
    name: "Grace Hopper",
    email: "grace@example.com",
    phone: null,
    external_ids: {},
    attributes: {},
    created_at: "2026-11-01T00:00:00Z",
    updated_at: "2026-11-01T00:00:00Z",
    ...over,
  };
}

export function user(over: Partial<S["UserRead"]> = {}): S["UserRead"] {
  return {
    id: OTHER_USER_ID,
    organization_id: ME.organization.id,
    email: "linus@example.com",
    name: "Linus",
    role: "member",
    extra_permissions: [],
    is_active: true,
    created_at: "2026-11-01T00:00:00Z",
    last_login_at: null,
    permissions: [],
    ...over,
  };
}

export const USERS = [
  user({ id: ME.user.id, name: "Ada", email: "ada@example.com", role: "admin" }),
  user(),
];

export const TEXT = "Hi, I was charged twice. Call me at +1 555 0100 or mail grace@example.com.";

export function classification(text = TEXT) {
  const phone = text.indexOf("+1 555 0100");
  const email = text.indexOf("grace@example.com");
  return {
    intent: {
      label: "refund_request",
      confidence: 0.87,
      runner_up: { label: "billing_question", confidence: 0.09 },
    },
    category: { label: "billing", confidence: 0.91 },
    sentiment: { label: "negative", score: -0.6, confidence: 0.8 },
    priority: { label: "high", score: 0.7, reasons: ["charged twice"] },
    language: { label: "en", confidence: 0.99 },
    pii: [
      { type: "phone", start: phone, end: phone + "+1 555 0100".length },
      { type: "email", start: email, end: email + "grace@example.com".length },
    ],
    needs_review: false,
    model_version: "intent:7",
    model_versions: { intent: "intent:7" },
  };
}

export function message(over: Partial<S["MessageRead"]> = {}): S["MessageRead"] {
  return {
    id: INBOUND_ID,
    conversation_id: CONVERSATION_ID,
    integration_id: null,
    external_id: "ext-1",
    direction: "inbound",
    status: null,
    author_id: null,
    sender: { name: "Grace Hopper", email: "grace@example.com" },
    recipients: [],
    subject: "Refund for order 1042",
    text: TEXT,
    html: null,
    attachments: [],
    classification: classification(),
    model_version: "intent:7",
    received_at: "2026-11-02T10:00:00Z",
    sent_at: null,
    created_at: "2026-11-02T10:00:00Z",
    ...over,
  };
}

export function draft(over: Partial<S["DraftRead"]> = {}): S["DraftRead"] {
  return {
    id: DRAFT_ID,
    conversation_id: CONVERSATION_ID,
    message_id: INBOUND_ID,
    status: "ready",
    text: "Sorry about the double charge, Grace. We have refunded it.",
    edited_text: null,
    provider: "openai",
    model: "gpt-4o-mini",
    cost_usd: 0.00123,
    confidence: 0.82,
    sources: [{ id: "kb-1", kind: "article", title: "Refund policy", score: 0.9 }],
    reason: null,
    reviewed_by_id: null,
    reviewed_at: null,
    rejection_reason: null,
    created_at: "2026-11-02T10:00:05Z",
    updated_at: "2026-11-02T10:00:05Z",
    sent_message_id: null,
    ...over,
  };
}

export function note(over: Partial<S["NoteRead"]> = {}): S["NoteRead"] {
  return {
    id: "77777777-7777-4777-8777-777777777777",
    conversation_id: CONVERSATION_ID,
    author_id: ME.user.id,
    author_name: "Ada",
    body: "Customer is a VIP, be nice.",
    created_at: "2026-11-02T10:05:00Z",
    ...over,
  };
}

/** The permissions of a member-like agent (the test server's ME plus contacts and messages). */
export const AGENT = [...ME.permissions, "read:contacts", "read:messages", "write:messages"];

/** What a viewer may do: read, never write. */
export const VIEWER = AGENT.filter(
  (p) => !p.startsWith("write:") && !p.startsWith("promote:") && !p.startsWith("train:"),
);

export function list<T>(items: T[], next_cursor: string | null = null) {
  return { items, next_cursor };
}
