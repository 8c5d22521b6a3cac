import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { renderPage, signIn } from "../../test/render";
import { apiError, http, HttpResponse, ME, server, url } from "../../test/server";
import { ADA, auditEntry, BOB, KEY, MEMBER_PERMISSIONS, ORGANIZATION } from "./fixtures";
import SettingsPage from "./SettingsPage";

const ADMIN = [...ME.permissions, "inbound", "classify", "llm"];

const open = (tab: string) =>
  renderPage(<SettingsPage />, { path: "/settings/*", route: `/settings/${tab}` });

function usersHandler(users: unknown[] = [ADA, BOB]) {
  server.use(
    http.get(url("/api/v1/users"), () => HttpResponse.json({ items: users, next_cursor: null })),
  );
}

async function choose(label: string, option: string) {
  await userEvent.click(screen.getByRole("combobox", { name: label }));
  await userEvent.click(await screen.findByRole("option", { name: option }));
}

describe("Settings: users", () => {
  beforeEach(() => signIn(ADMIN));

  it("lists users with role chips and status", async () => {
    usersHandler();
    open("users");
    const rows = await screen.findAllByTestId("user-row");
    expect(rows).toHaveLength(2);
    expect(within(rows[0]!).getByText("Ada (you)")).toBeInTheDocument();
    expect(within(rows[0]!).getByText("Admin")).toBeInTheDocument();
    expect(within(rows[1]!).getByText("Member")).toBeInTheDocument();
    expect(within(rows[1]!).getByText("Train models")).toBeInTheDocument();
    expect(within(rows[1]!).getByText("Active")).toBeInTheDocument();
    expect(screen.getByRole("tab", { name: "Users" })).toHaveAttribute("aria-selected", "true");
    // You cannot deactivate yourself.
    expect(screen.getByRole("button", { name: "Deactivate Ada" })).toBeDisabled();
  });

  it("invites a user without a password and shows the invitation link once", async () => {
    usersHandler();
    let body: Record<string, unknown> | null = null;
    server.use(
      http.post(url("/api/v1/users"), async ({ request }) => {
        body = (await request.json()) as Record<string, unknown>;
        return HttpResponse.json(
          {
            ...BOB,
            id: "00000000-0000-4000-8000-000000000003",
            email: "cy@example.com",
            name: "Cy",
            extra_permissions: [],
            invitation_token: "tok",
            invitation_url: "http://app.example/accept-invitation?token=tok",
          },
          { status: 201 },
        );
      }),
    );
    open("users");
    await userEvent.click(await screen.findByRole("button", { name: "Invite user" }));
    await userEvent.type(screen.getByLabelText("Email"), "cy@example.com");
    await userEvent.type(screen.getByLabelText("Name"), "Cy");
    await userEvent.click(screen.getByRole("button", { name: "Create invitation" }));
    const link = await screen.findByTestId("invitation-url");
    expect(link).toHaveValue("http://app.example/accept-invitation?token=tok");
    expect(body).toEqual({
      email: "cy@example.com",
      name: "Cy",
      role: "member",
      extra_permissions: [],
    });
    expect(screen.getByText(/It is shown only once/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Done" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    await userEvent.click(screen.getByRole("button", { name: "Invite user" }));
    expect(screen.queryByTestId("invitation-url")).not.toBeInTheDocument();
    expect(screen.getByLabelText("Email")).toHaveValue("");
  });

  it("shows the API's refusal on the email field", async () => {
    usersHandler();
    server.use(
      http.post(url("/api/v1/users"), () =>
        apiError(409, "email_taken", "a user with this email already exists"),
      ),
    );
    open("users");
    await userEvent.click(await screen.findByRole("button", { name: "Invite user" }));
    await userEvent.type(screen.getByLabelText("Email"), "bob@example.com");
    await userEvent.type(screen.getByLabelText("Name"), "Bob");
    await userEvent.click(screen.getByRole("button", { name: "Create invitation" }));
    expect(await screen.findByText("a user with this email already exists")).toBeInTheDocument();
  });

  it("validates the invitation before sending it", async () => {
    usersHandler();
    open("users");
    await userEvent.click(await screen.findByRole("button", { name: "Invite user" }));
    await userEvent.type(screen.getByLabelText("Email"), "nope");
    await userEvent.click(screen.getByRole("button", { name: "Create invitation" }));
    expect(await screen.findByText("Enter a valid email")).toBeInTheDocument();
    expect(screen.getByText("Enter a name")).toBeInTheDocument();
  });

  it("changes a role and grants extra permissions with PATCH", async () => {
    usersHandler();
    const bodies: unknown[] = [];
    server.use(
      http.patch(url(`/api/v1/users/${BOB.id}`), async ({ request }) => {
        const body = (await request.json()) as Record<string, unknown>;
        bodies.push(body);
        return HttpResponse.json({ ...BOB, ...body });
      }),
    );
    open("users");
    await userEvent.click(await screen.findByRole("button", { name: "Edit Bob" }));
    await userEvent.click(screen.getByRole("checkbox", { name: "Change AI routing" }));
    await userEvent.click(screen.getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(bodies).toHaveLength(1));
    expect(bodies[0]).toEqual({
      role: "member",
      extra_permissions: ["train:models", "write:routing"],
    });

    await userEvent.click(await screen.findByRole("button", { name: "Edit Bob" }));
    await choose("Role", "Viewer");
    expect(screen.getByText(/Only members can be granted extra permissions/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(bodies).toHaveLength(2));
    expect(bodies[1]).toEqual({ role: "viewer", extra_permissions: [] });
    expect(await screen.findByText("Bob is now a viewer.")).toBeInTheDocument();
  });

  it("deactivates a user after confirming", async () => {
    usersHandler();
    let deleted = false;
    server.use(
      http.delete(url(`/api/v1/users/${BOB.id}`), () => {
        deleted = true;
        return new HttpResponse(null, { status: 204 });
      }),
    );
    open("users");
    await userEvent.click(await screen.findByRole("button", { name: "Deactivate Bob" }));
    await userEvent.click(screen.getByRole("button", { name: "Deactivate" }));
    await waitFor(() => expect(deleted).toBe(true));
    expect(
      await screen.findByText("Bob is deactivated and signed out everywhere."),
    ).toBeInTheDocument();
  });

  it("shows the error when the users cannot be loaded", async () => {
    server.use(
      http.get(url("/api/v1/users"), () => apiError(500, "internal", "users unavailable")),
    );
    open("users");
    expect(await screen.findByText("users unavailable")).toBeInTheDocument();
  });
});

describe("Settings: API keys", () => {
  beforeEach(() => signIn(ADMIN));

  it("creates a key, shows it once with a warning, then lists only its prefix", async () => {
    let keys: unknown[] = [];
    let body: Record<string, unknown> | null = null;
    server.use(
      http.get(url("/api/v1/api-keys"), () =>
        HttpResponse.json({ items: keys, next_cursor: null }),
      ),
      http.post(url("/api/v1/api-keys"), async ({ request }) => {
        body = (await request.json()) as Record<string, unknown>;
        keys = [{ ...KEY, scopes: body.scopes }];
        return HttpResponse.json(
          {
            id: KEY.id,
            name: KEY.name,
            prefix: KEY.prefix,
            key: "sb_3fa9c2_SECRETSECRET",
            scopes: body.scopes,
            created_at: KEY.created_at,
          },
          { status: 201 },
        );
      }),
    );
    open("api-keys");
    expect(await screen.findByText("No API keys yet")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Create API key" }));
    await userEvent.type(screen.getByLabelText("Name"), "Website widget");
    await userEvent.click(screen.getByRole("checkbox", { name: "read:conversations" }));
    await userEvent.click(screen.getByRole("button", { name: "Create key" }));
    const secret = await screen.findByTestId("api-key-secret");
    expect(secret).toHaveValue("sb_3fa9c2_SECRETSECRET");
    expect(screen.getByText(/It will not be shown again/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Copy api key" })).toBeInTheDocument();
    expect(body).toEqual({
      name: "Website widget",
      scopes: ["inbound", "classify", "llm", "read:conversations"],
      expires_at: null,
    });
    await userEvent.click(screen.getByRole("button", { name: "I have copied it" }));
    expect(await screen.findByTestId("api-key-prefix")).toHaveTextContent("sb_3fa9c2…");
    await waitFor(() => expect(screen.queryByTestId("api-key-secret")).not.toBeInTheDocument());
    expect(screen.queryByText(/SECRETSECRET/)).not.toBeInTheDocument();
  });

  it("asks for a name and a scope before creating", async () => {
    server.use(
      http.get(url("/api/v1/api-keys"), () => HttpResponse.json({ items: [], next_cursor: null })),
    );
    open("api-keys");
    await userEvent.click(await screen.findByRole("button", { name: "Create API key" }));
    for (const scope of ["inbound", "classify", "llm"]) {
      await userEvent.click(screen.getByRole("checkbox", { name: scope }));
    }
    await userEvent.click(screen.getByRole("button", { name: "Create key" }));
    expect(await screen.findByText("Name the key (what uses it?)")).toBeInTheDocument();
    expect(screen.getByText("Choose at least one scope")).toBeInTheDocument();
  });

  it("revokes a key after confirming", async () => {
    let revoked = false;
    server.use(
      http.get(url("/api/v1/api-keys"), () =>
        HttpResponse.json({
          items: [revoked ? { ...KEY, revoked_at: "2026-11-06T00:00:00Z" } : KEY],
          next_cursor: null,
        }),
      ),
      http.delete(url(`/api/v1/api-keys/${KEY.id}`), () => {
        revoked = true;
        return new HttpResponse(null, { status: 204 });
      }),
    );
    open("api-keys");
    await userEvent.click(await screen.findByRole("button", { name: "Revoke Website widget" }));
    await userEvent.click(screen.getByRole("button", { name: "Revoke key" }));
    await waitFor(() => expect(revoked).toBe(true));
    expect(await screen.findByText("Revoked")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Revoke Website widget" })).not.toBeInTheDocument();
  });
});

describe("Settings: audit log", () => {
  beforeEach(() => signIn(ADMIN));

  it("renders entries, loads more with the cursor and filters by action", async () => {
    usersHandler();
    const queries: URLSearchParams[] = [];
    server.use(
      http.get(url("/api/v1/audit-log"), ({ request }) => {
        const q = new URL(request.url).searchParams;
        queries.push(q);
        if (q.get("action"))
          return HttpResponse.json({ items: [auditEntry(9, "api_key.revoke")], next_cursor: null });
        if (q.get("cursor") === "c2")
          return HttpResponse.json({ items: [auditEntry(3)], next_cursor: null });
        return HttpResponse.json({ items: [auditEntry(1), auditEntry(2)], next_cursor: "c2" });
      }),
    );
    open("audit");
    const rows = await screen.findAllByTestId("audit-row");
    expect(rows).toHaveLength(2);
    expect(within(rows[0]!).getByText("user.create")).toBeInTheDocument();
    expect(within(rows[0]!).getByText("10.0.0.1")).toBeInTheDocument();
    expect(await within(rows[0]!).findByText("Ada (ada@example.com)")).toBeInTheDocument();
    expect(screen.getByRole("columnheader", { name: "Actor" })).toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: "Load more" }));
    await waitFor(() => expect(screen.getAllByTestId("audit-row")).toHaveLength(3));
    expect(queries.at(-1)!.get("cursor")).toBe("c2");
    expect(screen.queryByRole("button", { name: "Load more" })).not.toBeInTheDocument();

    await userEvent.click(screen.getAllByRole("button", { name: "Show details" })[0]!);
    expect(screen.getByText(/"role": "member"/)).toBeInTheDocument();

    await userEvent.type(screen.getByLabelText("Action"), "api_key.revoke");
    await userEvent.click(screen.getByRole("button", { name: "Apply filters" }));
    await waitFor(() => expect(screen.getAllByTestId("audit-row")).toHaveLength(1));
    expect(queries.at(-1)!.get("action")).toBe("api_key.revoke");
  });
});

describe("Settings: organization", () => {
  beforeEach(() => signIn(ADMIN));

  it("saves the name and promotion gate", async () => {
    let body: Record<string, unknown> | null = null;
    server.use(
      http.get(url("/api/v1/organization"), () => HttpResponse.json(ORGANIZATION)),
      http.patch(url("/api/v1/organization"), async ({ request }) => {
        body = (await request.json()) as Record<string, unknown>;
        return HttpResponse.json({ ...ORGANIZATION, name: body.name, settings: body.settings });
      }),
    );
    open("organization");
    const name = await screen.findByLabelText("Organization name");
    expect(screen.getByLabelText("Margin")).toHaveValue(0.01);
    await userEvent.clear(name);
    await userEvent.type(name, "Acme Support");
    await choose("Metric", "Macro F1");
    await userEvent.clear(screen.getByLabelText("Margin"));
    await userEvent.type(screen.getByLabelText("Margin"), "0.02");
    await userEvent.click(screen.getByRole("button", { name: "Save settings" }));
    expect(await screen.findByText("Organization settings saved.")).toBeInTheDocument();
    expect(body).toEqual({
      name: "Acme Support",
      settings: {
        agent_language: "en",
        promotion_gate: { metric: "macro_f1", margin: 0.02, max_latency_p95_ms: 80 },
      },
    });
  });

  it("refuses values outside what the API allows", async () => {
    let patched = false;
    server.use(
      http.get(url("/api/v1/organization"), () => HttpResponse.json(ORGANIZATION)),
      http.patch(url("/api/v1/organization"), () => {
        patched = true;
        return HttpResponse.json(ORGANIZATION);
      }),
    );
    open("organization");
    const margin = await screen.findByLabelText("Margin");
    await userEvent.clear(margin);
    await userEvent.type(margin, "0.9");
    await userEvent.click(screen.getByRole("button", { name: "Save settings" }));
    expect(await screen.findByText("At most 0.5")).toBeInTheDocument();
    expect(patched).toBe(false);
  });
});

describe("Settings for a member", () => {
  beforeEach(() => signIn(MEMBER_PERMISSIONS));

  it("shows users read-only and says the admin-only sections are for admins", async () => {
    usersHandler();
    server.use(http.get(url("/api/v1/organization"), () => HttpResponse.json(ORGANIZATION)));
    open("users");
    await screen.findAllByTestId("user-row");
    expect(screen.queryByRole("button", { name: "Invite user" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Edit Bob" })).not.toBeInTheDocument();
    expect(screen.getByText("Only admins can invite users or change roles.")).toBeInTheDocument();

    await userEvent.click(screen.getByRole("tab", { name: "API keys" }));
    expect(await screen.findByTestId("admins-only")).toHaveTextContent(
      "Only admins can see API keys",
    );
    await userEvent.click(screen.getByRole("tab", { name: "Audit log" }));
    expect(await screen.findByTestId("admins-only")).toHaveTextContent("the audit log");
    await userEvent.click(screen.getByRole("tab", { name: "Organization" }));
    expect(await screen.findByLabelText("Organization name")).toBeDisabled();
    expect(screen.queryByRole("button", { name: "Save settings" })).not.toBeInTheDocument();
  });
});
