import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { renderPage, signIn } from "../../test/render";
import { apiError, http, HttpResponse, ME, server, url } from "../../test/server";
import { CONNECTORS } from "./fixtures";
import IntegrationsPage from "./IntegrationsPage";
import { buildValidation, parseSchema, toConfig, type JsonSchema } from "./jsonSchema";

const IMAP = {
  id: "11111111-1111-4111-8111-111111111111",
  name: "Support mailbox",
  type: "imap",
  status: "active",
  config: { host: "imap.example.com", port: 993, username: "support@example.com", folder: "INBOX" },
  secrets_set: ["password"],
  health: { last_error_at: 1_790_000_000, last_error: "LOGIN failed" },
  created_at: "2026-11-01T00:00:00Z",
  updated_at: "2026-11-01T00:00:00Z",
};

function handlers(items: unknown[] = [IMAP]) {
  server.use(
    http.get(url("/api/v1/connectors"), () => HttpResponse.json({ items: CONNECTORS })),
    http.get(url("/api/v1/integrations"), () => HttpResponse.json({ items, next_cursor: null })),
  );
}

async function openConnect(type: string) {
  const card = await screen.findByTestId(`connector-${type}`);
  await userEvent.click(within(card).getByRole("button", { name: "Connect" }));
  return screen.findByRole("dialog");
}

describe("IntegrationsPage", () => {
  beforeEach(() => signIn());
  afterEach(() => vi.restoreAllMocks());

  it("renders the catalogue from the API grouped by kind, with capabilities and auth", async () => {
    handlers();
    renderPage(<IntegrationsPage />);
    const imap = await screen.findByTestId("connector-imap");
    expect(within(imap).getByText("Auth: Username & password")).toBeInTheDocument();
    expect(within(imap).getByText("Polling")).toBeInTheDocument();
    expect(within(screen.getByTestId("connector-gmail")).getByText("Webhooks")).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Email" })).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "API" })).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Search connectors"), "gmail");
    expect(screen.queryByTestId("connector-imap")).not.toBeInTheDocument();
    expect(screen.getByTestId("connector-gmail")).toBeInTheDocument();
    await userEvent.clear(screen.getByLabelText("Search connectors"));
    await userEvent.type(screen.getByLabelText("Search connectors"), "fax");
    expect(screen.getByText("No connector matches")).toBeInTheDocument();
  });

  it("lists connected integrations with status, health and the error message", async () => {
    handlers();
    renderPage(<IntegrationsPage />);
    const list = await screen.findByTestId("integration-list");
    const row = within(list).getByText("Support mailbox").closest("tr")!;
    expect(within(row as HTMLElement).getByText("Active")).toBeInTheDocument();
    expect(within(row as HTMLElement).getByText("Failing")).toBeInTheDocument();
    expect(within(row as HTMLElement).getByText("LOGIN failed")).toBeInTheDocument();
  });

  it("shows a website widget's embed code and test page", async () => {
    const widget = {
      ...IMAP,
      id: "22222222-2222-4222-8222-222222222222",
      name: "Site chat",
      type: "widget",
      config: {},
      secrets_set: [],
      health: {},
    };
    const snippet = `<script src="http://localhost:3000/api/v1/widget/widget.js" data-key="wk_${widget.id}" async></script>`;
    handlers([widget]);
    server.use(
      http.get(url("/api/v1/integrations/:id/widget"), () =>
        HttpResponse.json({
          public_key: `wk_${widget.id}`,
          snippet,
          script_url: "http://localhost:3000/api/v1/widget/widget.js",
          socket_url: `ws://localhost:3000/api/v1/widget/ws?key=wk_${widget.id}`,
          test_page_url: `http://localhost:3000/api/v1/widget/test?key=wk_${widget.id}`,
        }),
      ),
    );
    renderPage(<IntegrationsPage />);
    const embed = await screen.findByTestId("widget-embed");
    expect(within(embed).getByText(snippet)).toBeInTheDocument();
    expect(within(embed).getByRole("link", { name: "try it on the test page" })).toHaveAttribute(
      "href",
      `http://localhost:3000/api/v1/widget/test?key=wk_${widget.id}`,
    );
  });

  it("shows an empty state and the error state", async () => {
    handlers([]);
    renderPage(<IntegrationsPage />);
    expect(await screen.findByText("No integrations yet")).toBeInTheDocument();
  });

  it("shows the API's error when the list cannot load", async () => {
    server.use(
      http.get(url("/api/v1/connectors"), () => HttpResponse.json({ items: CONNECTORS })),
      http.get(url("/api/v1/integrations"), () => apiError(500, "internal_error", "db down")),
    );
    renderPage(<IntegrationsPage />);
    expect(await screen.findByText("db down")).toBeInTheDocument();
  });

  it("builds the connect form from the schema: secret as password, required fields checked", async () => {
    handlers([]);
    let posted: unknown = null;
    server.use(
      http.post(url("/api/v1/integrations"), async ({ request }) => {
        posted = await request.json();
        return HttpResponse.json({ ...IMAP, name: "Mail", health: {} }, { status: 201 });
      }),
    );
    renderPage(<IntegrationsPage />);
    const dialog = await openConnect("imap");
    const password = within(dialog).getByLabelText(/^Password/);
    expect(password).toHaveAttribute("type", "password");
    expect(password).toHaveValue("");
    expect(within(dialog).getByLabelText(/^Port/)).toHaveValue(993);
    expect(within(dialog).getByRole("switch", { name: "Use Ssl" })).toBeChecked();
    await userEvent.click(within(dialog).getByRole("button", { name: "Connect" }));
    expect(await within(dialog).findByText("Host is required")).toBeInTheDocument();
    expect(within(dialog).getByText("Password is required")).toBeInTheDocument();
    expect(posted).toBeNull();

    await userEvent.type(within(dialog).getByLabelText(/^Host/), "imap.example.com");
    await userEvent.type(within(dialog).getByLabelText(/^Username/), "me@example.com");
    await userEvent.type(password, "app-password");
    await userEvent.click(within(dialog).getByRole("button", { name: "Connect" }));
    await waitFor(() => expect(posted).not.toBeNull());
    expect(posted).toMatchObject({
      name: "IMAP / SMTP mailbox",
      type: "imap",
      config: {
        host: "imap.example.com",
        username: "me@example.com",
        password: "app-password",
        port: 993,
        use_ssl: true,
      },
    });
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
  });

  it("puts the server's config errors next to the field", async () => {
    handlers([]);
    server.use(
      http.post(url("/api/v1/integrations"), () =>
        apiError(400, "invalid_config", "invalid config for imap", [
          {
            loc: ["config", "host"],
            msg: "String should have at most 255 characters",
            type: "string_too_long",
          },
        ]),
      ),
    );
    renderPage(<IntegrationsPage />);
    const dialog = await openConnect("imap");
    await userEvent.type(within(dialog).getByLabelText(/^Host/), "h");
    await userEvent.type(within(dialog).getByLabelText(/^Username/), "u");
    await userEvent.type(within(dialog).getByLabelText(/^Password/), "p");
    await userEvent.click(within(dialog).getByRole("button", { name: "Connect" }));
    expect(
      await within(dialog).findByText("String should have at most 255 characters"),
    ).toBeInTheDocument();
    expect(within(dialog).getByRole("alert")).toHaveTextContent("invalid config for imap");
  });

  it("opens the provider's consent page after creating an OAuth integration", async () => {
    handlers([]);
    const open = vi.spyOn(window, "open").mockReturnValue(null);
    const created = {
      ...IMAP,
      id: "22222222-2222-4222-8222-222222222222",
      type: "gmail",
      secrets_set: ["client_secret"],
    };
    server.use(
      http.post(url("/api/v1/integrations"), () => HttpResponse.json(created, { status: 201 })),
      http.post(url(`/api/v1/integrations/${created.id}/oauth/start`), () =>
        HttpResponse.json({
          authorize_url: "https://accounts.example.com/o/auth?x=1",
          state_expires_in: 600,
        }),
      ),
    );
    renderPage(<IntegrationsPage />);
    const dialog = await openConnect("gmail");
    await userEvent.type(within(dialog).getByLabelText(/^Client Id/), "cid");
    await userEvent.type(within(dialog).getByLabelText(/^Client Secret/), "csecret");
    await userEvent.click(within(dialog).getByRole("button", { name: "Connect" }));
    await waitFor(() =>
      expect(open).toHaveBeenCalledWith(
        "https://accounts.example.com/o/auth?x=1",
        "_blank",
        "noopener,noreferrer",
      ),
    );
    expect(await screen.findByRole("link", { name: "Open the consent page" })).toHaveAttribute(
      "href",
      "https://accounts.example.com/o/auth?x=1",
    );
  });

  it("tests an integration and shows the result", async () => {
    handlers();
    server.use(
      http.post(url(`/api/v1/integrations/${IMAP.id}/test`), () =>
        HttpResponse.json({
          ok: false,
          detail: "IMAP login refused",
          checked_at: "2026-11-02T10:00:00Z",
        }),
      ),
    );
    renderPage(<IntegrationsPage />);
    const list = await screen.findByTestId("integration-list");
    await userEvent.click(within(list).getByRole("button", { name: "Test" }));
    expect(await within(list).findByTestId("test-result")).toHaveTextContent(
      "Test failed: IMAP login refused",
    );
  });

  it("pauses with a PATCH", async () => {
    handlers();
    let body: unknown = null;
    server.use(
      http.patch(url(`/api/v1/integrations/${IMAP.id}`), async ({ request }) => {
        body = await request.json();
        return HttpResponse.json({ ...IMAP, status: "paused" });
      }),
    );
    renderPage(<IntegrationsPage />);
    const list = await screen.findByTestId("integration-list");
    await userEvent.click(within(list).getByRole("button", { name: "Pause" }));
    await waitFor(() => expect(body).toEqual({ status: "paused" }));
    expect(await screen.findByText("Support mailbox paused")).toBeInTheDocument();
  });

  it("edits without pre-filling or resending an unchanged secret", async () => {
    handlers();
    let body: { config?: Record<string, unknown> } | null = null;
    server.use(
      http.patch(url(`/api/v1/integrations/${IMAP.id}`), async ({ request }) => {
        body = (await request.json()) as typeof body;
        return HttpResponse.json(IMAP);
      }),
    );
    renderPage(<IntegrationsPage />);
    const list = await screen.findByTestId("integration-list");
    await userEvent.click(within(list).getByRole("button", { name: "Edit" }));
    const dialog = await screen.findByRole("dialog");
    const password = within(dialog).getByLabelText(/^Password/);
    expect(password).toHaveValue("");
    expect(password).toHaveAttribute("placeholder", expect.stringContaining("set"));
    expect(within(dialog).getByLabelText(/^Host/)).toHaveValue("imap.example.com");
    await userEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(body).not.toBeNull());
    expect(body!.config).not.toHaveProperty("password");
    expect(body!.config).toMatchObject({ host: "imap.example.com" });
  });

  it("deletes after confirming", async () => {
    handlers();
    let deleted = false;
    server.use(
      http.delete(url(`/api/v1/integrations/${IMAP.id}`), () => {
        deleted = true;
        return new HttpResponse(null, { status: 204 });
      }),
    );
    renderPage(<IntegrationsPage />);
    const list = await screen.findByTestId("integration-list");
    await userEvent.click(within(list).getByRole("button", { name: "Delete" }));
    const dialog = await screen.findByRole("dialog");
    expect(deleted).toBe(false);
    await userEvent.click(within(dialog).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(deleted).toBe(true));
  });

  it("is read-only without write:integrations", async () => {
    signIn(ME.permissions.filter((p) => p !== "write:integrations"));
    handlers();
    renderPage(<IntegrationsPage />);
    const list = await screen.findByTestId("integration-list");
    expect(within(list).queryByRole("button", { name: "Test" })).not.toBeInTheDocument();
    expect(
      within(screen.getByTestId("connector-imap")).getByRole("button", { name: "Connect" }),
    ).toBeDisabled();
  });
});

describe("config schema", () => {
  const gmail = CONNECTORS.find((c) => c.type === "gmail")!.config_schema as JsonSchema;

  it("reads nullable, write-only, array and boolean fields", () => {
    const fields = parseSchema(gmail);
    const secret = fields.find((f) => f.name === "client_secret")!;
    expect(secret).toMatchObject({
      kind: "string",
      writeOnly: true,
      nullable: true,
      required: false,
    });
    expect(fields.find((f) => f.name === "label_ids")).toMatchObject({
      kind: "array",
      minItems: 1,
    });
    expect(fields.find((f) => f.name === "label_messages")).toMatchObject({ kind: "boolean" });
    expect(fields.find((f) => f.name === "backfill_days")).toMatchObject({
      kind: "integer",
      maximum: 365,
    });
  });

  it("checks numbers and turns form values into config", async () => {
    const fields = parseSchema(gmail);
    const rules = buildValidation(fields);
    await expect(rules.validateAt("backfill_days", { backfill_days: "400" })).rejects.toThrow(
      "at most 365",
    );
    const config = toConfig(
      fields,
      {
        backfill_days: "30",
        label_ids: ["INBOX"],
        client_secret: "",
        label_messages: true,
        push_topic: "",
      },
      "edit",
    );
    expect(config).toMatchObject({
      backfill_days: 30,
      label_ids: ["INBOX"],
      label_messages: true,
      push_topic: null,
    });
    expect(config).not.toHaveProperty("client_secret");
  });
});
