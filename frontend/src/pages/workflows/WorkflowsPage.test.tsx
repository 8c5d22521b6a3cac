import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { renderPage, signIn } from "../../test/render";
import { apiError, http, HttpResponse, server, url } from "../../test/server";
import { BOB_ID, USERS, WORKFLOW, WORKFLOW_SCHEMA } from "./fixtures";
import WorkflowsPage from "./WorkflowsPage";

beforeAll(() => {
  // React Flow measures its pane; jsdom has no layout.
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
});

const VALID = { valid: true, errors: [] };

function handlers(workflows: unknown[] = [WORKFLOW]) {
  server.use(
    http.get(url("/api/v1/workflows"), () =>
      HttpResponse.json({ items: workflows, next_cursor: null }),
    ),
    http.get(url("/api/v1/workflows/schema"), () => HttpResponse.json(WORKFLOW_SCHEMA)),
    http.get(url(`/api/v1/workflows/${WORKFLOW.id}`), () => HttpResponse.json(WORKFLOW)),
    http.get(url("/api/v1/users"), () => HttpResponse.json({ items: USERS, next_cursor: null })),
  );
}

const open = (route = "/workflows") => renderPage(<WorkflowsPage />, { path: "/workflows", route });

async function fill(element: HTMLElement, text: string) {
  await userEvent.click(element);
  await userEvent.paste(text);
}

async function choose(label: string, option: string) {
  await userEvent.click(screen.getByRole("combobox", { name: label }));
  await userEvent.click(await screen.findByRole("option", { name: option }));
}

describe("WorkflowsPage list", () => {
  beforeEach(() => signIn());

  it("lists workflows with their trigger, steps, version and state", async () => {
    handlers();
    open();
    const row = await screen.findByTestId("workflow-row");
    expect(within(row).getByText("Urgent refunds")).toBeInTheDocument();
    expect(within(row).getByText("A new message arrives")).toBeInTheDocument();
    expect(within(row).getByText("1 condition, 1 action")).toBeInTheDocument();
    expect(within(row).getByText("3")).toBeInTheDocument();
    expect(within(row).getByRole("checkbox", { name: "Enable Urgent refunds" })).toBeChecked();
  });

  it("shows an empty state and an error state", async () => {
    handlers([]);
    const { unmount } = open();
    expect(await screen.findByText("No workflows yet")).toBeInTheDocument();
    unmount();
    server.use(
      http.get(url("/api/v1/workflows"), () => apiError(500, "internal", "database down")),
    );
    open();
    expect(await screen.findByText("database down")).toBeInTheDocument();
  });

  it("enables and disables a workflow with PATCH", async () => {
    handlers();
    let body: unknown;
    server.use(
      http.patch(url(`/api/v1/workflows/${WORKFLOW.id}`), async ({ request }) => {
        body = await request.json();
        return HttpResponse.json({ ...WORKFLOW, is_enabled: false });
      }),
    );
    open();
    await userEvent.click(await screen.findByRole("checkbox", { name: "Enable Urgent refunds" }));
    await waitFor(() => expect(body).toEqual({ is_enabled: false }));
    expect(await screen.findByText("“Urgent refunds” disabled.")).toBeInTheDocument();
    expect(screen.getByRole("checkbox", { name: "Enable Urgent refunds" })).not.toBeChecked();
  });

  it("deletes a workflow after confirming", async () => {
    handlers();
    let deleted = false;
    server.use(
      http.delete(url(`/api/v1/workflows/${WORKFLOW.id}`), () => {
        deleted = true;
        return new HttpResponse(null, { status: 204 });
      }),
    );
    open();
    await userEvent.click(await screen.findByRole("button", { name: "Delete Urgent refunds" }));
    await userEvent.click(screen.getByRole("button", { name: "Delete workflow" }));
    await waitFor(() => expect(deleted).toBe(true));
    expect(await screen.findByText("Deleted “Urgent refunds”.")).toBeInTheDocument();
  });
});

describe("WorkflowsPage builder", () => {
  beforeEach(() => signIn());

  it("creates a workflow: validates first, then posts the definition built", async () => {
    handlers();
    const calls: string[] = [];
    let posted: Record<string, unknown> | null = null;
    server.use(
      http.post(url("/api/v1/workflows/validate"), () => {
        calls.push("validate");
        return HttpResponse.json(VALID);
      }),
      http.post(url("/api/v1/workflows"), async ({ request }) => {
        calls.push("create");
        posted = (await request.json()) as Record<string, unknown>;
        return HttpResponse.json(
          { ...WORKFLOW, ...posted, id: "new", version: 1 },
          { status: 201 },
        );
      }),
    );
    open();
    await userEvent.click(await screen.findByRole("button", { name: "New workflow" }));
    await fill(await screen.findByLabelText(/Name/), "VIP tagging");
    expect(screen.getByTestId("step-action-0")).toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: "Add condition" }));
    await choose("Field", "Sender email");
    await choose("Operator", "contains");
    await fill(screen.getByLabelText("Value"), "@bigcorp.com");

    await userEvent.click(screen.getByRole("button", { name: "Add action" }));
    await userEvent.click(await screen.findByRole("menuitem", { name: "Tag" }));
    await fill(screen.getByLabelText("Tags"), "vip, enterprise");

    await userEvent.click(screen.getByRole("button", { name: "Add action" }));
    await userEvent.click(await screen.findByRole("menuitem", { name: "Assign" }));
    await choose("Assignee", "Bob (bob@example.com)");

    await userEvent.click(screen.getByRole("button", { name: "Save workflow" }));
    await waitFor(() => expect(calls).toEqual(["validate", "create"]));
    expect(posted).toEqual({
      name: "VIP tagging",
      description: null,
      is_enabled: true,
      definition: {
        trigger: "message.received",
        match: "all",
        conditions: [{ fact: "sender_email", op: "contains", value: "@bigcorp.com" }],
        actions: [
          { type: "set_priority", priority: "urgent" },
          { type: "tag", tags: ["vip", "enterprise"] },
          { type: "assign", user_id: BOB_ID },
        ],
        stop: false,
      },
    });
    expect(await screen.findByText("Saved “VIP tagging” (version 1).")).toBeInTheDocument();
  });

  it("validate shows the API's errors and points at the step", async () => {
    handlers();
    server.use(
      http.post(url("/api/v1/workflows/validate"), () =>
        HttpResponse.json({
          valid: false,
          errors: [
            {
              path: "definition.conditions.0.value",
              message: "'intent' is not a number: use eq, neq, in or contains",
            },
          ],
        }),
      ),
    );
    open(`/workflows?edit=${WORKFLOW.id}`);
    await userEvent.click(await screen.findByRole("button", { name: "Validate" }));
    const alert = await screen.findByTestId("validation-errors");
    expect(within(alert).getByText("definition.conditions.0.value")).toBeInTheDocument();
    expect(screen.getByTestId("step-condition-0")).toHaveTextContent("Condition 1 (1 problem)");
    // The side panel now shows that condition and its problem.
    expect(screen.getByRole("region", { name: "Condition 1 settings" })).toBeInTheDocument();
    expect(screen.getByTestId("step-errors")).toHaveTextContent("'intent' is not a number");
  });

  it("refuses to save an invalid workflow", async () => {
    handlers();
    let saved = false;
    server.use(
      http.post(url("/api/v1/workflows/validate"), () =>
        HttpResponse.json({
          valid: false,
          errors: [
            {
              path: "definition.actions.0.user_id",
              message: "no active user of this organization has this id",
            },
          ],
        }),
      ),
      http.patch(url(`/api/v1/workflows/${WORKFLOW.id}`), () => {
        saved = true;
        return HttpResponse.json(WORKFLOW);
      }),
    );
    open(`/workflows?edit=${WORKFLOW.id}`);
    await userEvent.click(await screen.findByRole("button", { name: "Save workflow" }));
    expect(await screen.findByText("Not saved: fix the problems shown first.")).toBeInTheDocument();
    expect(screen.getByTestId("step-action-0")).toHaveTextContent("1 problem");
    expect(saved).toBe(false);
  });

  it("refuses to save without a name, before asking the API", async () => {
    handlers();
    open("/workflows?new=1");
    await userEvent.click(await screen.findByRole("button", { name: "Save workflow" }));
    expect(await screen.findByText("Give the workflow a name")).toBeInTheDocument();
  });

  it("edits a workflow and saves it with PATCH", async () => {
    handlers();
    let patched: Record<string, unknown> | null = null;
    server.use(
      http.post(url("/api/v1/workflows/validate"), () => HttpResponse.json(VALID)),
      http.patch(url(`/api/v1/workflows/${WORKFLOW.id}`), async ({ request }) => {
        patched = (await request.json()) as Record<string, unknown>;
        return HttpResponse.json({ ...WORKFLOW, ...patched, version: 4 });
      }),
    );
    open();
    await userEvent.click(await screen.findByRole("button", { name: "Edit Urgent refunds" }));
    await userEvent.click(await screen.findByTestId("step-action-0"));
    await choose("Priority", "high");
    await userEvent.click(screen.getByTestId("step-trigger"));
    await userEvent.click(screen.getByRole("radio", { name: "any condition holds" }));
    await userEvent.click(screen.getByRole("button", { name: "Save workflow" }));
    await waitFor(() => expect(patched).not.toBeNull());
    expect(patched!.definition).toEqual({
      ...WORKFLOW.definition,
      match: "any",
      actions: [{ type: "set_priority", priority: "high" }],
    });
    expect(await screen.findByText("Saved “Urgent refunds” (version 4).")).toBeInTheDocument();
  });

  it("the JSON tab shows the definition to be saved, and broken JSON blocks saving", async () => {
    handlers();
    let validated = false;
    server.use(
      http.post(url("/api/v1/workflows/validate"), () => {
        validated = true;
        return HttpResponse.json(VALID);
      }),
    );
    open(`/workflows?edit=${WORKFLOW.id}`);
    await userEvent.click(await screen.findByRole("tab", { name: "JSON" }));
    const json = screen.getByTestId("workflow-json") as HTMLTextAreaElement;
    expect(JSON.parse(json.value)).toEqual(WORKFLOW.definition);
    await userEvent.type(json, "{{}");
    expect(await screen.findByTestId("json-error")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Save workflow" }));
    expect(await screen.findByText("Fix the JSON first: it does not parse.")).toBeInTheDocument();
    expect(validated).toBe(false);
  });

  it("a viewer sees workflows read-only", async () => {
    signIn(["read:workflows", "read:users"]);
    handlers();
    open();
    await screen.findByTestId("workflow-row");
    expect(screen.queryByRole("button", { name: "New workflow" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Delete Urgent refunds" })).not.toBeInTheDocument();
    expect(screen.getByRole("checkbox", { name: "Enable Urgent refunds" })).toBeDisabled();
    await userEvent.click(screen.getByRole("button", { name: "View Urgent refunds" }));
    expect(await screen.findByText(/only admins can change workflows/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Save workflow" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Add condition" })).not.toBeInTheDocument();
  });
});
