import { describe, expect, it } from "vitest";
import { useAuth } from "../auth/store";
import { signIn } from "../test/render";
import { apiError, http, HttpResponse, server, url } from "../test/server";
import { api, ApiError, request, unwrap } from "./client";

describe("the API client", () => {
  it("refreshes an expired access token once and replays the request with its body", async () => {
    signIn();
    let refreshes = 0;
    const seen: string[] = [];
    server.use(
      http.post(url("/api/v1/auth/refresh"), async ({ request: r }) => {
        refreshes += 1;
        expect(await r.json()).toEqual({ refresh_token: "refresh-token-1" });
        return HttpResponse.json({
          access_token: "fresh",
          refresh_token: "refresh-token-2",
          token_type: "bearer",
          expires_in: 900,
        });
      }),
      http.post(url("/api/v1/conversations/:id/notes"), async ({ request: r }) => {
        const auth = r.headers.get("Authorization") ?? "";
        seen.push(`${auth} ${JSON.stringify(await r.json())}`);
        if (auth !== "Bearer fresh") return apiError(401, "token_expired", "token expired");
        return HttpResponse.json({ id: "n1", body: "hello" }, { status: 201 });
      }),
    );
    const answers = await Promise.all([
      unwrap(
        api.POST(
          "/api/v1/conversations/{conversation_id}/notes" as never,
          { params: { path: { conversation_id: "c1" } }, body: { body: "hello" } } as never,
        ),
      ),
      request("/api/v1/conversations/c1/notes", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ body: "hello" }),
      }),
    ]);
    expect(answers).toHaveLength(2);
    expect(refreshes).toBe(1);
    expect(seen.filter((s) => s === 'Bearer fresh {"body":"hello"}')).toHaveLength(2);
    expect(useAuth.getState().refreshToken).toBe("refresh-token-2");
  });

  it("marks the session expired (not signed out) when the refresh token is refused", async () => {
    signIn();
    server.use(
      http.post(url("/api/v1/auth/refresh"), () =>
        apiError(401, "invalid_token", "refresh token revoked"),
      ),
      http.get(url("/api/v1/me"), () => apiError(401, "token_expired", "token expired")),
    );
    await expect(unwrap(api.GET("/api/v1/me"))).rejects.toBeInstanceOf(ApiError);
    expect(useAuth.getState().expired).toBe(true);
    expect(useAuth.getState().user?.email).toBe("ada@example.com");
  });

  it("turns the API's error body into an ApiError with its field errors", async () => {
    server.use(
      http.post(url("/api/v1/auth/register"), () =>
        apiError(422, "validation_error", "invalid request: check email", [
          {
            loc: ["body", "email"],
            msg: "value is not a valid email address",
            type: "value_error",
          },
        ]),
      ),
    );
    const failure = await unwrap(
      api.POST("/api/v1/auth/register", {
        body: { email: "x", password: "p".repeat(10), name: "A", organization_name: "B" },
      }),
    ).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    const error = failure as ApiError;
    expect(error.status).toBe(422);
    expect(error.code).toBe("validation_error");
    expect(error.fieldErrors()).toEqual({ email: "value is not a valid email address" });
  });
});
