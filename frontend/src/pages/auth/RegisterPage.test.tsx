import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { useAuth } from "../../auth/store";
import { renderPage } from "../../test/render";
import { apiError, http, HttpResponse, ME, server, url } from "../../test/server";
import { AcceptInvitationPage } from "./AcceptInvitationPage";
import { RegisterPage } from "./RegisterPage";

const TOKENS = {
  access_token: "a1",
  refresh_token: "r1-refresh-token",
  token_type: "bearer",
  expires_in: 900,
};

async function fill() {
  await userEvent.type(screen.getByLabelText("Your name"), "Ada");
  await userEvent.type(screen.getByLabelText("Organization"), "Acme");
  await userEvent.type(screen.getByLabelText("Work email"), "ada@example.com");
  await userEvent.type(screen.getByLabelText("Password"), "long enough password");
}

describe("RegisterPage", () => {
  it("creates the organization and signs in", async () => {
    let sent: unknown = null;
    server.use(
      http.post(url("/api/v1/auth/register"), async ({ request }) => {
        sent = await request.json();
        return HttpResponse.json(
          { ...TOKENS, user: ME.user, organization: ME.organization },
          { status: 201 },
        );
      }),
    );
    renderPage(<RegisterPage />, { path: "/register", route: "/register" });
    await fill();
    await userEvent.click(screen.getByRole("button", { name: "Create account" }));
    await waitFor(() => expect(screen.getByTestId("elsewhere")).toBeInTheDocument());
    expect(sent).toEqual({
      name: "Ada",
      organization_name: "Acme",
      email: "ada@example.com",
      password: "long enough password",
    });
    expect(useAuth.getState().organization?.name).toBe("Acme");
  });

  it("puts a taken email next to the email field", async () => {
    server.use(
      http.post(url("/api/v1/auth/register"), () =>
        apiError(409, "email_taken", "an account with this email already exists"),
      ),
    );
    renderPage(<RegisterPage />, { path: "/register", route: "/register" });
    await fill();
    await userEvent.click(screen.getByRole("button", { name: "Create account" }));
    expect(
      await screen.findByText("an account with this email already exists"),
    ).toBeInTheDocument();
    expect(screen.getByLabelText("Work email")).toHaveAttribute("aria-invalid", "true");
  });

  it("refuses a short password before asking the server", async () => {
    renderPage(<RegisterPage />, { path: "/register", route: "/register" });
    await userEvent.type(screen.getByLabelText("Password"), "short");
    await userEvent.click(screen.getByRole("button", { name: "Create account" }));
    expect(await screen.findByText("At least 10 characters")).toBeInTheDocument();
    expect(screen.getByText("Name your organization")).toBeInTheDocument();
  });
});

describe("AcceptInvitationPage", () => {
  it("says so when the link has no token", () => {
    renderPage(<AcceptInvitationPage />, {
      path: "/accept-invitation",
      route: "/accept-invitation",
    });
    expect(screen.getByText(/invitation link is incomplete/)).toBeInTheDocument();
  });

  it("sets the password with the invitation's token and signs in", async () => {
    let sent: unknown = null;
    server.use(
      http.post(url("/api/v1/auth/accept-invitation"), async ({ request }) => {
        sent = await request.json();
        return HttpResponse.json({ ...TOKENS, user: ME.user, organization: ME.organization });
      }),
    );
    renderPage(<AcceptInvitationPage />, {
      path: "/accept-invitation",
      route: "/accept-invitation?token=invite-token-123",
    });
    await userEvent.type(screen.getByLabelText("Choose a password"), "long enough password");
    await userEvent.click(screen.getByRole("button", { name: "Join the organization" }));
    await waitFor(() => expect(screen.getByTestId("elsewhere")).toBeInTheDocument());
    expect(sent).toEqual({ token: "invite-token-123", password: "long enough password" });
  });

  it("shows why an expired invitation is refused", async () => {
    server.use(
      http.post(url("/api/v1/auth/accept-invitation"), () =>
        apiError(401, "invalid_invitation", "invitation is invalid, used or expired"),
      ),
    );
    renderPage(<AcceptInvitationPage />, {
      path: "/accept-invitation",
      route: "/accept-invitation?token=invite-token-123",
    });
    await userEvent.type(screen.getByLabelText("Choose a password"), "long enough password");
    await userEvent.click(screen.getByRole("button", { name: "Join the organization" }));
    expect(await screen.findByText("invitation is invalid, used or expired")).toBeInTheDocument();
  });
});
