import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useLocation } from "react-router-dom";
import { describe, expect, it } from "vitest";
import { renderPage, signIn } from "../test/render";
import { http, HttpResponse, server, url } from "../test/server";
import { RequireAuth } from "./RequireAuth";
import { useAuth } from "./store";

const page = (
  <RequireAuth>
    <textarea aria-label="Draft reply" defaultValue="" />
  </RequireAuth>
);

describe("RequireAuth", () => {
  it("sends a signed-out visitor to sign in, remembering where they were going", async () => {
    renderPage(page, {
      path: "/conversations/:id",
      route: "/conversations/42?tab=notes",
      extraRoutes: [{ path: "/sign-in", element: <SignInProbe /> }],
    });
    expect(await screen.findByTestId("next")).toHaveTextContent("/conversations/42?tab=notes");
  });

  it("keeps the page and what was typed when the session expires, and resumes after the password", async () => {
    signIn();
    renderPage(page, { path: "/", route: "/" });
    const box = await screen.findByLabelText("Draft reply");
    await userEvent.type(box, "Half-written answer");
    useAuth.getState().expire();
    const dialog = await screen.findByRole("dialog", { name: "Your session expired" });
    expect(dialog).toBeInTheDocument();
    server.use(
      http.post(url("/api/v1/auth/token"), () =>
        HttpResponse.json({
          access_token: "again",
          refresh_token: "refresh-token-9",
          token_type: "bearer",
          expires_in: 900,
        }),
      ),
    );
    await userEvent.type(screen.getByLabelText("Password"), "correct horse battery");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(screen.getByLabelText("Draft reply")).toHaveValue("Half-written answer");
    expect(useAuth.getState().accessToken).toBe("again");
  });
});

function SignInProbe() {
  const location = useLocation();
  const next = new URLSearchParams(location.search).get("next") ?? "";
  return <div data-testid="next">{next}</div>;
}
