// The HTTP API as component tests see it: msw answers fetch() in-process with the API's own
// shapes (the browser tests in e2e/ drive the real stack). Tests add handlers per case.
import { http, HttpResponse, ws } from "msw";
import { setupServer } from "msw/node";

export const ORIGIN = "http://localhost:3000";
export const url = (path: string) => `${ORIGIN}${path}`;

export const ME = {
  user: {
    id: "00000000-0000-4000-8000-000000000001",
    email: "ada@example.com",
    name: "Ada",
    role: "admin",
    permissions: [],
    is_active: true,
    created_at: "2026-11-01T00:00:00Z",
  },
  organization: {
    id: "00000000-0000-4000-8000-0000000000aa",
    name: "Acme",
    slug: "acme",
    settings: {},
  },
  permissions: [
    "read:conversations",
    "write:conversations",
    "read:drafts",
    "write:drafts",
    "write:labels",
    "read:integrations",
    "write:integrations",
    "read:routing",
    "write:routing",
    "read:models",
    "train:models",
    "promote:models",
    "read:workflows",
    "write:workflows",
    "read:analytics",
    "read:users",
    "write:users",
    "read:api_keys",
    "write:api_keys",
    "read:audit",
    "write:organization",
  ],
};

export function apiError(status: number, code: string, message: string, details: unknown = null) {
  return HttpResponse.json({ error: { code, message, details, request_id: "test" } }, { status });
}

// The live events socket: accepted, silent; a test sends frames through `liveSocket`.
export const liveSocket = ws.link("ws://localhost:3000/api/v1/ws");

export const server = setupServer(
  http.get(url("/api/v1/me"), () => HttpResponse.json(ME)),
  // The agent's typing indicator, sent while a reply is edited: best effort, unanswered.
  http.post(url("/api/v1/conversations/:id/typing"), () => HttpResponse.json({ pushed: false })),
  liveSocket.addEventListener("connection", () => undefined),
);
export { http, HttpResponse };
