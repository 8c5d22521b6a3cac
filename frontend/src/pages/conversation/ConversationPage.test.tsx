import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { components } from "../../api/schema";
import { renderPage, signIn } from "../../test/render";
import { apiError, http, HttpResponse, liveSocket, ME, server, url } from "../../test/server";
import {
  AGENT,
  contact,
  conversation,
  CONVERSATION_ID,
  draft,
  DRAFT_ID,
  INBOUND_ID,
  list,
  message,
  note,
  OUTBOUND_ID,
  USERS,
  VIEWER,
} from "../inbox/testData";
import ConversationPage from "./ConversationPage";

type S = components["schemas"];

let current: {
  conversation: S["ConversationRead"];
  drafts: S["DraftRead"][];
  notes: S["NoteRead"][];
};
let bodies: Record<string, unknown[]>;

function record(key: string, body: unknown) {
  (bodies[key] ??= []).push(body);
}

beforeEach(() => {
  bodies = {};
  current = { conversation: conversation(), drafts: [draft()], notes: [note()] };
  signIn(AGENT);
  server.use(
    http.get(url("/api/v1/conversations/:id"), () => HttpResponse.json(current.conversation)),
    http.get(url("/api/v1/conversations/:id/messages"), () =>
      HttpResponse.json(
        list([
          message(),
          message({
            id: OUTBOUND_ID,
            direction: "outbound",
            status: "queued",
            author_id: USERS[1]!.id,
            sender: {},
            text: "We are looking into it.",
            classification: null,
            model_version: null,
            received_at: null,
            created_at: "2026-11-02T10:10:00Z",
          }),
        ]),
      ),
    ),
    http.get(url("/api/v1/conversations/:id/drafts"), () =>
      HttpResponse.json(list(current.drafts)),
    ),
    http.get(url("/api/v1/conversations/:id/notes"), () => HttpResponse.json(list(current.notes))),
    http.get(url("/api/v1/contacts/:id"), () => HttpResponse.json(contact())),
    http.get(url("/api/v1/users"), () => HttpResponse.json(list(USERS))),
    http.get(url("/api/v1/messages/:id/labels"), () => HttpResponse.json({ items: [] })),
    http.patch(url("/api/v1/conversations/:id"), async ({ request }) => {
      const body = (await request.json()) as Partial<S["ConversationRead"]>;
      record("patch", body);
      current.conversation = { ...current.conversation, ...body };
      return HttpResponse.json(current.conversation);
    }),
  );
});

function renderConversation() {
  return renderPage(<ConversationPage />, {
    path: "/conversations/:id",
    route: `/conversations/${CONVERSATION_ID}`,
  });
}

async function inboundMessage() {
  const thread = await screen.findByTestId("thread");
  const messages = within(thread).getAllByTestId("message");
  return messages.find((m) => m.getAttribute("data-direction") === "inbound")!;
}

describe("ConversationPage", () => {
  it("shows the header, the thread with classification and delivery, and the draft", async () => {
    renderConversation();
    expect(
      await screen.findByRole("heading", { name: "Refund for order 1042" }),
    ).toBeInTheDocument();
    const thread = await screen.findByTestId("thread");
    const messages = within(thread).getAllByTestId("message");
    expect(messages).toHaveLength(2);
    const inbound = within(messages[0]!);
    expect(inbound.getByText("Intent: refund_request · 87%")).toBeInTheDocument();
    expect(inbound.getByText("Category: billing · 91%")).toBeInTheDocument();
    expect(inbound.getByText("Negative")).toBeInTheDocument();
    expect(inbound.getByText("Priority: high")).toBeInTheDocument();
    expect(inbound.getByText("Language: en")).toBeInTheDocument();
    expect(inbound.getByText("Model intent:7")).toBeInTheDocument();
    const outbound = within(messages[1]!);
    expect(outbound.getByTestId("message-status")).toHaveTextContent("Queued");
    expect(await outbound.findByText("Linus")).toBeInTheDocument();

    const panel = await screen.findByTestId("draft-panel");
    expect(within(panel).getByText("openai")).toBeInTheDocument();
    expect(within(panel).getByText("gpt-4o-mini")).toBeInTheDocument();
    expect(within(panel).getByText("$0.0012")).toBeInTheDocument();
    expect(within(panel).getByText("82%")).toBeInTheDocument();
    expect(within(panel).getByText("Refund policy")).toBeInTheDocument();
    expect(within(panel).getByTestId("draft-text")).toHaveTextContent("We have refunded it.");
    expect(await screen.findByText("Customer is a VIP, be nice.")).toBeInTheDocument();
    expect(screen.getAllByText("grace@example.com").length).toBeGreaterThan(0); // the contact card
  });

  it("shows when the customer is typing in live chat, and says so to them while the agent edits", async () => {
    const typed: unknown[] = [];
    server.use(
      liveSocket.addEventListener("connection", ({ client }) => {
        client.send(JSON.stringify({ kind: "hello", seq: 0 }));
        client.send(
          JSON.stringify({
            id: "conversation.typing:1",
            seq: 7001,
            kind: "conversation.typing",
            organization_id: ME.organization.id,
            conversation_id: CONVERSATION_ID,
            message_id: null,
            data: { from: "visitor", state: true },
            occurred_at: new Date().toISOString(),
          }),
        );
      }),
      http.post(url("/api/v1/conversations/:id/typing"), async ({ request }) => {
        typed.push(await request.json());
        return HttpResponse.json({ pushed: true });
      }),
    );
    renderConversation();
    await waitFor(() =>
      expect(screen.getByTestId("customer-typing")).toHaveTextContent("The customer is typing…"),
    );
    const panel = await screen.findByTestId("draft-panel");
    await userEvent.click(await within(panel).findByRole("button", { name: "Edit" }));
    await userEvent.type(within(panel).getByLabelText("Reply text"), " Thanks!");
    await waitFor(() => expect(typed).toEqual([{ state: true }])); // once: throttled
  });

  it("sends an approved WhatsApp template, checking its name and language first", async () => {
    current.conversation = conversation({ channel: "whatsapp" });
    server.use(
      http.post(url("/api/v1/conversations/:id/messages"), async ({ request }) => {
        record("message", await request.json());
        return HttpResponse.json(message({ id: OUTBOUND_ID, direction: "outbound" }), {
          status: 201,
        });
      }),
    );
    renderConversation();
    await userEvent.click(await screen.findByRole("button", { name: "Send template" }));
    const dialog = await screen.findByRole("dialog", { name: "Send an approved template" });
    await userEvent.type(within(dialog).getByLabelText(/^Template name/), "Order Update");
    await userEvent.click(within(dialog).getByRole("button", { name: "Send template" }));
    expect(
      within(dialog).getByText("Lower-case letters, digits and _ (as approved)"),
    ).toBeVisible();
    expect(bodies["message"]).toBeUndefined();
    const name = within(dialog).getByLabelText(/^Template name/);
    await userEvent.clear(name);
    await userEvent.type(name, "order_update");
    await userEvent.type(within(dialog).getByLabelText(/^Body parameters/), "1042{enter}Friday");
    await userEvent.type(within(dialog).getByLabelText(/^What it says/), "Order 1042 ships Friday");
    await userEvent.click(within(dialog).getByRole("button", { name: "Send template" }));
    await waitFor(() =>
      expect(bodies["message"]).toEqual([
        {
          text: "Order 1042 ships Friday",
          template: {
            name: "order_update",
            language: "en_US",
            components: [
              {
                type: "body",
                parameters: [
                  { type: "text", text: "1042" },
                  { type: "text", text: "Friday" },
                ],
              },
            ],
          },
        },
      ]),
    );
    expect(await screen.findByText("Template queued")).toBeInTheDocument();
  });

  it("says why a reply was not delivered", async () => {
    server.use(
      http.get(url("/api/v1/conversations/:id/messages"), () =>
        HttpResponse.json(
          list([
            message({
              id: OUTBOUND_ID,
              direction: "outbound",
              status: "failed",
              sender: {},
              text: "Any news?",
              classification: null,
              error: "whatsapp: the 24-hour window is closed: send an approved template",
            }),
          ]),
        ),
      ),
    );
    renderConversation();
    const failed = await screen.findByTestId("delivery-error");
    expect(failed).toHaveTextContent("Not delivered: whatsapp: the 24-hour window is closed");
    expect(screen.getByTestId("message-status")).toHaveTextContent("Failed");
  });

  it("masks PII in messages until the agent reveals it", async () => {
    renderConversation();
    const inbound = await inboundMessage();
    expect(inbound).not.toHaveTextContent("grace@example.com");
    expect(inbound).not.toHaveTextContent("+1 555 0100");
    expect(
      within(inbound)
        .getAllByTestId("pii-mask")
        .map((m) => m.textContent),
    ).toEqual(["••• phone", "••• email"]);
    expect(inbound).toHaveTextContent(
      "Hi, I was charged twice. Call me at ••• phone or mail ••• email.",
    );
    const toggle = within(inbound).getByRole("button", { name: "Show PII" });
    expect(toggle).toHaveAttribute("aria-pressed", "false");
    await userEvent.click(toggle);
    expect(inbound).toHaveTextContent("Call me at +1 555 0100 or mail grace@example.com.");
    expect(within(inbound).getByRole("button", { name: "Hide PII" })).toHaveAttribute(
      "aria-pressed",
      "true",
    );
  });

  it("approves and sends the draft, then shows it sent", async () => {
    server.use(
      http.post(url("/api/v1/drafts/:id/approve"), async ({ request, params }) => {
        record("approve", { id: params.id, body: await request.json() });
        current.drafts = [
          draft({
            status: "approved",
            reviewed_by_id: ME.user.id,
            reviewed_at: "2026-11-02T10:20:00Z",
            sent_message_id: OUTBOUND_ID,
          }),
        ];
        return HttpResponse.json(current.drafts[0]);
      }),
    );
    renderConversation();
    const panel = await screen.findByTestId("draft-panel");
    await userEvent.click(await within(panel).findByRole("button", { name: "Approve and send" }));
    expect(await within(panel).findByTestId("draft-sent")).toHaveTextContent("Sent");
    expect(bodies.approve).toEqual([{ id: DRAFT_ID, body: {} }]);
    expect(await screen.findByText("Reply sent")).toBeInTheDocument();
    expect(within(panel).getByTestId("draft-sent")).toHaveTextContent("Queued");
    expect(
      within(panel).queryByRole("button", { name: "Approve and send" }),
    ).not.toBeInTheDocument();
  });

  it("sends the agent's edit of the draft", async () => {
    server.use(
      http.post(url("/api/v1/drafts/:id/approve"), async ({ request }) => {
        const body = (await request.json()) as { text: string };
        record("approve", body);
        current.drafts = [draft({ status: "approved", edited_text: body.text })];
        return HttpResponse.json(current.drafts[0]);
      }),
    );
    renderConversation();
    const panel = await screen.findByTestId("draft-panel");
    await userEvent.click(await within(panel).findByRole("button", { name: "Edit" }));
    const box = within(panel).getByRole("textbox", { name: "Reply text" });
    expect(box).toHaveValue("Sorry about the double charge, Grace. We have refunded it.");
    await userEvent.clear(box);
    expect(within(panel).getByRole("button", { name: "Send edited" })).toBeDisabled();
    expect(within(panel).getByText("Enter the reply text")).toBeInTheDocument();
    await userEvent.type(box, "Refunded, Grace: you will see it in 3 days.");
    await userEvent.click(within(panel).getByRole("button", { name: "Send edited" }));
    await waitFor(() =>
      expect(bodies.approve).toEqual([{ text: "Refunded, Grace: you will see it in 3 days." }]),
    );
    expect(await within(panel).findByText("Sent (edited)")).toBeInTheDocument();
    expect(within(panel).getByTestId("draft-text")).toHaveTextContent("you will see it in 3 days");
  });

  it("asks for a reason before rejecting a draft", async () => {
    server.use(
      http.post(url("/api/v1/drafts/:id/reject"), async ({ request }) => {
        const body = (await request.json()) as { reason: string };
        record("reject", body);
        current.drafts = [draft({ status: "rejected", rejection_reason: body.reason })];
        return HttpResponse.json(current.drafts[0]);
      }),
    );
    renderConversation();
    const panel = await screen.findByTestId("draft-panel");
    await userEvent.click(await within(panel).findByRole("button", { name: "Reject" }));
    const dialog = await screen.findByRole("dialog", { name: "Reject draft" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Reject draft" }));
    expect(within(dialog).getByText("Enter a reason for rejecting this draft")).toBeInTheDocument();
    expect(bodies.reject).toBeUndefined();
    await userEvent.type(within(dialog).getByRole("textbox", { name: "Reason" }), "Wrong amount");
    await userEvent.click(within(dialog).getByRole("button", { name: "Reject draft" }));
    await waitFor(() => expect(bodies.reject).toEqual([{ reason: "Wrong amount" }]));
    expect(await within(panel).findByText(/Rejected: Wrong amount/)).toBeInTheDocument();
  });

  it("shows the API's refusal when a draft is no longer ready", async () => {
    server.use(
      http.post(url("/api/v1/drafts/:id/approve"), () =>
        apiError(
          409,
          "draft_not_ready",
          "only a ready draft can be approved; this draft is approved",
        ),
      ),
    );
    renderConversation();
    const panel = await screen.findByTestId("draft-panel");
    await userEvent.click(await within(panel).findByRole("button", { name: "Approve and send" }));
    expect(
      await screen.findByText("only a ready draft can be approved; this draft is approved"),
    ).toBeInTheDocument();
  });

  it("shows drafting progress and a failed draft's reason", async () => {
    current.drafts = [draft({ status: "drafting", text: null, provider: null, model: null })];
    const { client } = renderConversation();
    const panel = await screen.findByTestId("draft-panel");
    expect(await within(panel).findByText("The AI is writing a reply…")).toBeInTheDocument();
    expect(within(panel).getByRole("progressbar")).toBeInTheDocument();
    current.drafts = [
      draft({ status: "failed", text: null, reason: "every provider is over budget" }),
    ];
    // what useLiveInvalidation does on draft.failed
    await client.invalidateQueries({ queryKey: ["conversation", CONVERSATION_ID] });
    expect(await within(panel).findByText("every provider is over budget")).toBeInTheDocument();
    expect(
      within(panel).queryByRole("button", { name: "Approve and send" }),
    ).not.toBeInTheDocument();
  });

  it("posts a label correction for the heads the agent changed", async () => {
    server.use(
      http.post(url("/api/v1/messages/:id/labels"), async ({ request, params }) => {
        const body = (await request.json()) as { head: string; label: string };
        record("labels", { id: params.id, ...body });
        return HttpResponse.json(
          {
            id: "l1",
            message_id: params.id,
            head: body.head,
            old_label: "refund_request",
            new_label: body.label,
            user_id: ME.user.id,
            created_at: "2026-11-02T10:30:00Z",
            confirmed: false,
          },
          { status: 201 },
        );
      }),
    );
    renderConversation();
    const inbound = await inboundMessage();
    await userEvent.click(within(inbound).getByRole("button", { name: "Correct label" }));
    const dialog = await screen.findByRole("dialog", { name: "Correct label" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Save label" }));
    expect(within(dialog).getByText("Change at least one label")).toBeInTheDocument();
    const intent = within(dialog).getByRole("combobox", { name: "Intent" });
    expect(intent).toHaveValue("refund_request");
    await userEvent.clear(intent);
    await userEvent.type(intent, "duplicate_charge");
    await userEvent.click(within(dialog).getByRole("button", { name: "Save label" }));
    await waitFor(() =>
      expect(bodies.labels).toEqual([
        { id: INBOUND_ID, head: "intent", label: "duplicate_charge" },
      ]),
    );
    expect(await screen.findByText(/Label saved \(intent: duplicate_charge\)/)).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
  });

  it("adds an internal note", async () => {
    server.use(
      http.post(url("/api/v1/conversations/:id/notes"), async ({ request }) => {
        const body = (await request.json()) as { body: string };
        record("notes", body);
        const created = note({ id: "n2", body: body.body });
        current.notes = [...current.notes, created];
        return HttpResponse.json(created, { status: 201 });
      }),
    );
    renderConversation();
    const panel = await screen.findByTestId("notes-panel");
    expect(within(panel).getAllByText(/not sent to the customer/).length).toBeGreaterThan(0);
    await userEvent.click(within(panel).getByRole("button", { name: "Add note" }));
    expect(within(panel).getByText("Write the note first")).toBeInTheDocument();
    await userEvent.type(
      within(panel).getByRole("textbox", { name: "Add an internal note" }),
      "Refund approved by finance",
    );
    await userEvent.click(within(panel).getByRole("button", { name: "Add note" }));
    expect(await within(panel).findByText("Refund approved by finance")).toBeInTheDocument();
    expect(bodies.notes).toEqual([{ body: "Refund approved by finance" }]);
    expect(within(panel).getByRole("textbox", { name: "Add an internal note" })).toHaveValue("");
  });

  it("deletes the agent's own note after confirming", async () => {
    let deleted = "";
    server.use(
      http.delete(url("/api/v1/notes/:id"), ({ params }) => {
        deleted = String(params.id);
        current.notes = [];
        return new HttpResponse(null, { status: 204 });
      }),
    );
    renderConversation();
    const panel = await screen.findByTestId("notes-panel");
    await userEvent.click(await within(panel).findByRole("button", { name: "Delete note by Ada" }));
    const dialog = await screen.findByRole("dialog", { name: "Delete this note?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Delete" }));
    expect(await within(panel).findByText("No notes yet.")).toBeInTheDocument();
    expect(deleted).toBe(note().id);
  });

  it("changes the status and assigns the conversation with PATCH", async () => {
    renderConversation();
    await userEvent.click(await screen.findByRole("combobox", { name: "Status" }));
    await userEvent.click(await screen.findByRole("option", { name: "Resolved" }));
    await waitFor(() => expect(bodies.patch).toEqual([{ status: "resolved" }]));
    expect(await screen.findByText("Status changed to resolved")).toBeInTheDocument();
    expect(screen.getByRole("combobox", { name: "Status" })).toHaveTextContent("Resolved");

    await userEvent.click(screen.getByRole("button", { name: "Assign to me" }));
    await waitFor(() => expect(bodies.patch?.[1]).toEqual({ assignee_id: ME.user.id }));
    await waitFor(() =>
      expect(screen.queryByRole("button", { name: "Assign to me" })).not.toBeInTheDocument(),
    );

    await userEvent.click(screen.getByRole("combobox", { name: "Priority" }));
    await userEvent.click(await screen.findByRole("option", { name: "Urgent" }));
    await waitFor(() => expect(bodies.patch?.[2]).toEqual({ priority: "urgent" }));
  });

  it("shows a refused change", async () => {
    server.use(
      http.patch(url("/api/v1/conversations/:id"), () =>
        apiError(404, "not_found", "user not found"),
      ),
    );
    renderConversation();
    await userEvent.click(await screen.findByRole("combobox", { name: "Assignee" }));
    await userEvent.click(await screen.findByRole("option", { name: "Linus" }));
    expect(await screen.findByText("user not found")).toBeInTheDocument();
  });

  it("shows a viewer everything but no action", async () => {
    signIn(VIEWER);
    renderConversation();
    const inbound = await inboundMessage();
    const panel = await screen.findByTestId("draft-panel");
    expect(await within(panel).findByTestId("draft-text")).toBeInTheDocument();
    expect(await screen.findByText("Customer is a VIP, be nice.")).toBeInTheDocument();
    for (const name of [
      "Approve and send",
      "Edit",
      "Reject",
      "Correct label",
      "Assign to me",
      "Add note",
    ]) {
      expect(screen.queryByRole("button", { name })).not.toBeInTheDocument();
    }
    expect(screen.queryByRole("combobox", { name: "Status" })).not.toBeInTheDocument();
    expect(screen.queryByRole("textbox", { name: "Add an internal note" })).not.toBeInTheDocument();
    expect(screen.getByText("Status: Open")).toBeInTheDocument();
    // revealing PII changes nothing on the server: viewers may still do it
    expect(within(inbound).getByRole("button", { name: "Show PII" })).toBeInTheDocument();
  });

  it("shows the API's error when the conversation cannot be loaded", async () => {
    server.use(
      http.get(url("/api/v1/conversations/:id"), () =>
        apiError(404, "not_found", "conversation not found"),
      ),
    );
    renderConversation();
    expect(await screen.findByText("conversation not found")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Retry" })).toBeInTheDocument();
  });
});
