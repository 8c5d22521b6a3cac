import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { useAuth } from "../../auth/store";
import { renderPage } from "../../test/render";
import { apiError, http, HttpResponse, server, url } from "../../test/server";
import { nextPath, SignInPage } from "./SignInPage";

const TOKENS = {
  access_token: "a1",
  refresh_token: "r1-refresh-token",
  token_type: "bearer",
  expires_in: 900,
};

describe("SignInPage", () => {
  it("signs in with the password grant and goes where the visitor was headed", async () => {
    let form = "";
    server.use(
      http.post(url("/api/v1/auth/token"), async ({ request }) => {
        form = await request.text();
        return HttpResponse.json(TOKENS);
      }),
    );
    renderPage(<SignInPage />, { path: "/sign-in", route: "/sign-in?next=%2Fmodels" });
    await userEvent.type(screen.getByLabelText("Email"), "ada@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "correct horse battery");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(screen.getByTestId("elsewhere")).toBeInTheDocument());
    expect(new URLSearchParams(form).get("username")).toBe("ada@example.com");
    expect(useAuth.getState().accessToken).toBe("a1");
    expect(useAuth.getState().permissions).toContain("read:conversations");
  });

  it("shows the API's message when the password is wrong, and keeps what was typed", async () => {
    server.use(
      http.post(url("/api/v1/auth/token"), () =>
        apiError(401, "invalid_credentials", "email or password is wrong"),
      ),
    );
    renderPage(<SignInPage />, { path: "/sign-in", route: "/sign-in" });
    await userEvent.type(screen.getByLabelText("Email"), "ada@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "nope");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("email or password is wrong")).toBeInTheDocument();
    expect(screen.getByLabelText("Email")).toHaveValue("ada@example.com");
    expect(useAuth.getState().accessToken).toBeNull();
  });

  it("validates before asking the server", async () => {
    renderPage(<SignInPage />, { path: "/sign-in", route: "/sign-in" });
    await userEvent.type(screen.getByLabelText("Email"), "not-an-email");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("Enter a valid email")).toBeInTheDocument();
    expect(screen.getByText("Enter your password")).toBeInTheDocument();
  });

  it("never sends the visitor to another origin after signing in", () => {
    expect(nextPath("?next=%2Finbox%3Fq%3Dx")).toBe("/inbox?q=x");
    expect(nextPath("?next=https%3A%2F%2Fevil.example")).toBe("/inbox");
    expect(nextPath("?next=%2F%2Fevil.example")).toBe("/inbox");
    expect(nextPath("")).toBe("/inbox");
  });
});
