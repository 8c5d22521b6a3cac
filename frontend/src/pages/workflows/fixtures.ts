// The engine's definition schema (workflows/schema.py definition_json_schema()) and sample
// workflows in the API's shapes, for the tests.

export const WORKFLOW_SCHEMA = {
  $defs: {
    Assign: {
      additionalProperties: false,
      properties: {
        type: {
          const: "assign",
          title: "Type",
          type: "string",
        },
        user_id: {
          format: "uuid",
          title: "User Id",
          type: "string",
        },
      },
      required: ["type", "user_id"],
      title: "Assign",
      type: "object",
    },
    Condition: {
      additionalProperties: false,
      properties: {
        fact: {
          enum: [
            "channel",
            "intent",
            "category",
            "sentiment",
            "priority",
            "priority_score",
            "language",
            "needs_review",
            "subject",
            "text",
            "sender_email",
            "intent_confidence",
          ],
          title: "Fact",
          type: "string",
        },
        op: {
          enum: ["eq", "neq", "in", "not_in", "contains", "gte", "lte"],
          title: "Op",
          type: "string",
        },
        value: {
          title: "Value",
        },
      },
      required: ["fact", "op", "value"],
      title: "Condition",
      type: "object",
    },
    RequestDraft: {
      additionalProperties: false,
      properties: {
        type: {
          const: "request_draft",
          title: "Type",
          type: "string",
        },
      },
      required: ["type"],
      title: "RequestDraft",
      type: "object",
    },
    SetPriority: {
      additionalProperties: false,
      properties: {
        type: {
          const: "set_priority",
          title: "Type",
          type: "string",
        },
        priority: {
          enum: ["urgent", "high", "normal", "low"],
          title: "Priority",
          type: "string",
        },
      },
      required: ["type", "priority"],
      title: "SetPriority",
      type: "object",
    },
    Tag: {
      additionalProperties: false,
      properties: {
        type: {
          const: "tag",
          title: "Type",
          type: "string",
        },
        tags: {
          items: {
            maxLength: 60,
            minLength: 1,
            type: "string",
          },
          minItems: 1,
          title: "Tags",
          type: "array",
        },
      },
      required: ["type", "tags"],
      title: "Tag",
      type: "object",
    },
  },
  additionalProperties: false,
  description: "Run `actions` on each new inbound message whose facts match the conditions.",
  properties: {
    trigger: {
      const: "message.received",
      default: "message.received",
      title: "Trigger",
      type: "string",
    },
    match: {
      default: "all",
      enum: ["all", "any"],
      title: "Match",
      type: "string",
    },
    conditions: {
      items: {
        $ref: "#/$defs/Condition",
      },
      maxItems: 50,
      title: "Conditions",
      type: "array",
    },
    actions: {
      items: {
        discriminator: {
          mapping: {
            assign: "#/$defs/Assign",
            request_draft: "#/$defs/RequestDraft",
            set_priority: "#/$defs/SetPriority",
            tag: "#/$defs/Tag",
          },
          propertyName: "type",
        },
        oneOf: [
          {
            $ref: "#/$defs/SetPriority",
          },
          {
            $ref: "#/$defs/Assign",
          },
          {
            $ref: "#/$defs/Tag",
          },
          {
            $ref: "#/$defs/RequestDraft",
          },
        ],
      },
      maxItems: 20,
      minItems: 1,
      title: "Actions",
      type: "array",
    },
    stop: {
      default: false,
      title: "Stop",
      type: "boolean",
    },
  },
  required: ["actions"],
  title: "Definition",
  type: "object",
};

export const ADA_ID = "00000000-0000-4000-8000-000000000001";
export const BOB_ID = "00000000-0000-4000-8000-000000000002";

export const USERS = [
  {
    id: ADA_ID,
    organization_id: "00000000-0000-4000-8000-0000000000aa",
    email: "ada@example.com",
    name: "Ada",
    role: "admin",
    extra_permissions: [],
    is_active: true,
    created_at: "2026-11-01T00:00:00Z",
    last_login_at: null,
    permissions: [],
  },
  {
    id: BOB_ID,
    organization_id: "00000000-0000-4000-8000-0000000000aa",
    email: "bob@example.com",
    name: "Bob",
    role: "member",
    extra_permissions: [],
    is_active: true,
    created_at: "2026-11-02T00:00:00Z",
    last_login_at: null,
    permissions: [],
  },
];

export const WORKFLOW = {
  id: "11111111-0000-4000-8000-000000000001",
  name: "Urgent refunds",
  description: "Refund requests jump the queue",
  definition: {
    trigger: "message.received",
    match: "all",
    conditions: [{ fact: "intent", op: "eq", value: "refund" }],
    actions: [{ type: "set_priority", priority: "urgent" }],
    stop: false,
  },
  is_enabled: true,
  version: 3,
  created_at: "2026-11-01T10:00:00Z",
  updated_at: "2026-11-03T10:00:00Z",
};
