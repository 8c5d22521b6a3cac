// API-shaped data for the settings tests.
import { ME } from "../../test/server";

export const ORG_ID = ME.organization.id;
export const ADA = {
  id: ME.user.id,
  organization_id: ORG_ID,
  email: "ada@example.com",
  name: "Ada",
  role: "admin",
  extra_permissions: [],
  is_active: true,
  created_at: "2026-11-01T00:00:00Z",
  last_login_at: "2026-11-05T09:00:00Z",
  permissions: [],
};
export const BOB = {
  ...ADA,
  id: "00000000-0000-4000-8000-000000000002",
  email: "bob@example.com",
  name: "Bob",
  role: "member",
  extra_permissions: ["train:models"],
  last_login_at: null,
};

export const KEY = {
  id: "22222222-0000-4000-8000-000000000001",
  name: "Website widget",
  prefix: "sb_3fa9c2",
  scopes: ["classify", "inbound", "llm"],
  created_at: "2026-11-02T00:00:00Z",
  last_used_at: null,
  expires_at: null,
  revoked_at: null,
};

export function auditEntry(n: number, action = "user.create") {
  return {
    id: `33333333-0000-4000-8000-${String(n).padStart(12, "0")}`,
    actor_user_id: ADA.id,
    actor_api_key_id: null,
    action,
    target_type: "user",
    target_id: BOB.id,
    details: { role: "member" },
    ip: `10.0.0.${n}`,
    user_agent: "Mozilla/5.0",
    request_id: `req-${n}`,
    created_at: "2026-11-04T12:00:00Z",
  };
}

export const ORGANIZATION = {
  id: ORG_ID,
  name: "Acme",
  slug: "acme",
  settings: {
    agent_language: "en",
    promotion_gate: { metric: "accuracy", margin: 0.01, max_latency_p95_ms: 80 },
  },
  created_at: "2026-11-01T00:00:00Z",
};

/** What a member holds (api/security/permissions.py READ | MEMBER_WRITE). */
export const MEMBER_PERMISSIONS = [
  "read:conversations",
  "read:users",
  "read:analytics",
  "read:workflows",
  "write:conversations",
  "inbound",
  "classify",
  "llm",
];
