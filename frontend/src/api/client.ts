// The typed API client. Types come from src/api/schema.d.ts, generated from /openapi.json by
// scripts/gen-api.mjs; every page calls the API through `api` (or `request` for paths the
// generated types cannot express, such as form posts).
import createClient, { type Middleware } from "openapi-fetch";
import { useAuth, type Tokens } from "../auth/store";
import type { paths } from "./schema";

/** The API's one error body: {"error": {"code", "message", "details"}}. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** Field errors of a 422, as {"body.email": "value is not a valid email address"}. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    const details = this.details as { errors?: { loc?: unknown[]; msg?: string }[] } | unknown[];
    const list = Array.isArray(details) ? details : (details?.errors ?? []);
    for (const item of list as { loc?: unknown[]; msg?: string; field?: string }[]) {
      const key = item.field ?? (item.loc ?? []).filter((p) => p !== "body").join(".");
      if (key && item.msg) out[key] = item.msg;
    }
    return out;
  }
}

export function errorFromBody(response: Response, body: unknown): ApiError {
  const error = (body as { error?: { code?: string; message?: string; details?: unknown } })?.error;
  return new ApiError(
    response.status,
    error?.code ?? `http_${response.status}`,
    error?.message ?? (response.statusText || `request failed (${response.status})`),
    error?.details,
  );
}

export async function toApiError(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.clone().json();
  } catch {
    /* not JSON */
  }
  return errorFromBody(response, body);
}

let refreshing: Promise<boolean> | null = null;

/** Trade the refresh token for a new pair, once at a time however many requests wait. */
export function refreshSession(): Promise<boolean> {
  if (refreshing) return refreshing;
  const token = useAuth.getState().refreshToken;
  if (!token) return Promise.resolve(false);
  refreshing = (async () => {
    try {
      const answer = await fetch("/api/v1/auth/refresh", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: token }),
      });
      if (!answer.ok) {
        // Another tab may have rotated the pair already: keep its tokens if they changed.
        if (useAuth.getState().refreshToken === token) useAuth.getState().expire();
        return useAuth.getState().refreshToken !== null;
      }
      useAuth.getState().setTokens((await answer.json()) as Tokens);
      return true;
    } catch {
      return false; // offline: keep the session, the next request tries again
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

const retried = new WeakSet<Request>();
const bodies = new WeakMap<Request, ArrayBuffer | null>();

const auth: Middleware = {
  async onRequest({ request }) {
    const state = useAuth.getState();
    if (state.refreshToken && state.refreshAt && Date.now() >= state.refreshAt) {
      await refreshSession();
    }
    const token = useAuth.getState().accessToken;
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    // Keep the body: a request retried after a refresh must send it again.
    bodies.set(request, request.body ? await request.clone().arrayBuffer() : null);
    return request;
  },
  async onResponse({ request, response }) {
    if (response.status !== 401 || retried.has(request) || !useAuth.getState().refreshToken) {
      return response;
    }
    // A request sent with a token that has been replaced since only needs sending again.
    const stale =
      request.headers.get("Authorization") !== `Bearer ${useAuth.getState().accessToken}`;
    if (!stale && !(await refreshSession())) return response;
    const again = new Request(request.url, {
      method: request.method,
      headers: request.headers,
      body: bodies.get(request) ?? undefined,
    });
    again.headers.set("Authorization", `Bearer ${useAuth.getState().accessToken}`);
    retried.add(again);
    return fetch(again);
  },
};

function baseUrl(): string {
  return typeof window === "undefined" ? "http://localhost" : window.location.origin;
}

// fetch is looked up on each call (test servers and extensions replace it after load).
export const api = createClient<paths>({
  baseUrl: baseUrl(),
  fetch: (input: Request) => globalThis.fetch(input),
});
api.use(auth);

/** Unwrap an openapi-fetch result: the data, or throw the API's error. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  // openapi-fetch has read the body already: build the error from what it parsed.
  if (error !== undefined || !response.ok) throw errorFromBody(response, error);
  return data as T;
}

/** A request the generated types cannot express (form posts, no-content answers). */
export async function request<T = unknown>(path: string, init: RequestInit = {}): Promise<T> {
  let used: string | null = null;
  const send = async () => {
    const headers = new Headers(init.headers);
    used = useAuth.getState().accessToken;
    if (used) headers.set("Authorization", `Bearer ${used}`);
    return fetch(new URL(path, baseUrl()), { ...init, headers });
  };
  let response = await send();
  if (response.status === 401 && useAuth.getState().refreshToken) {
    const stale = used !== useAuth.getState().accessToken;
    if (stale || (await refreshSession())) response = await send();
  }
  if (!response.ok) throw await toApiError(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return "Something went wrong";
}
