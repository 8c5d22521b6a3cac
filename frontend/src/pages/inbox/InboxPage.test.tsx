import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { renderPage, signIn } from "../../test/render";
import { apiError, http, HttpResponse, server, url } from "../../test/server";
import InboxPage from "./InboxPage";
import { AGENT, contact, conversation, list, USERS } from "./testData";

const HOUR = 3_600_000;
let seen: URLSearchParams[] = [];

function answer(pages: (params: URLSearchParams) => ReturnType<typeof list>) {
  server.use(
    http.get(url("/api/v1/conversations"), ({ request }) => {
      const params = new URL(request.url).searchParams;
      seen.push(params);
      return HttpResponse.json(pages(params));
    }),
  );
}

function last(): URLSearchParams {
  return seen[seen.length - 1]!;
}

function renderInbox(route = "/inbox") {
  return renderPage(<InboxPage />, {
    path: "/inbox",
    route,
    extraRoutes: [{ path: "/conversations/:id", element: <div data-testid="conversation-page" /> }],
  });
}

beforeEach(() => {
  seen = [];
  signIn(AGENT);
  server.use(
    http.get(url("/api/v1/contacts/:id"), () => HttpResponse.json(contact())),
    http.get(url("/api/v1/users"), () => HttpResponse.json(list(USERS))),
    http.get(url("/api/v1/integrations"), () =>
      HttpResponse.json(list([{ id: "i1", name: "Support Gmail", type: "gmail" }])),
    ),
  );
});

describe("InboxPage", () => {
  it("lists conversations with their customer, classification and an SLA flag", async () => {
    answer(() =>
      list([
        conversation(),
        conversation({
          id: "c2",
          subject: "Where is my parcel?",
          intent: "order_status",
          category: "shipping",
          sentiment: "neutral",
          priority: "normal",
          assignee_id: USERS[1]!.id,
          last_message_at: new Date(Date.now() - 2.5 * HOUR).toISOString(),
        }),
      ]),
    );
    renderInbox();
    const rows = await screen.findAllByTestId("conversation-row");
    expect(rows).toHaveLength(2);
    const first = within(rows[0]!);
    expect(first.getByText("Refund for order 1042")).toBeInTheDocument();
    expect(first.getByText("refund_request")).toBeInTheDocument();
    expect(first.getByText("billing")).toBeInTheDocument();
    expect(first.getByText("Negative")).toBeInTheDocument();
    expect(first.getByText("Unassigned")).toBeInTheDocument();
    expect(await first.findByText("Grace Hopper")).toBeInTheDocument();
    expect(first.queryByText("Overdue")).not.toBeInTheDocument();
    const second = within(rows[1]!);
    expect(second.getByText("Overdue")).toBeInTheDocument();
    expect(second.getByText("2 h ago")).toBeInTheDocument();
    expect(await second.findByText("Linus")).toBeInTheDocument();
    // the default view: open conversations, one page of 50
    expect(last().get("status")).toBe("open");
    expect(last().get("limit")).toBe("50");
  });

  it("each row links to its conversation", async () => {
    answer(() => list([conversation()]));
    renderInbox();
    const link = await screen.findByRole("link", { name: "Refund for order 1042" });
    expect(link).toHaveAttribute("href", "/conversations/11111111-1111-4111-8111-111111111111");
    await userEvent.click(link);
    expect(await screen.findByTestId("conversation-page")).toBeInTheDocument();
  });

  it("sends the filters from the URL and from the controls as query parameters", async () => {
    answer(() => list([conversation()]));
    renderInbox("/inbox?priority=urgent&assignee=me");
    await screen.findAllByTestId("conversation-row");
    expect(last().get("priority")).toBe("urgent");
    expect(last().get("assignee")).toBe("me");
    expect(last().get("status")).toBe("open");

    await userEvent.click(screen.getByRole("tab", { name: "Pending" }));
    await waitFor(() => expect(last().get("status")).toBe("pending"));
    expect(last().get("priority")).toBe("urgent");

    await userEvent.click(screen.getByRole("combobox", { name: "Channel" }));
    await userEvent.click(await screen.findByRole("option", { name: "gmail" }));
    await waitFor(() => expect(last().get("channel")).toBe("gmail"));

    await userEvent.click(screen.getByRole("combobox", { name: "Assignee" }));
    await userEvent.click(await screen.findByRole("option", { name: "Unassigned" }));
    await waitFor(() => expect(last().get("assignee")).toBe("none"));

    await userEvent.type(screen.getByRole("searchbox", { name: "Search subjects" }), "refund");
    await waitFor(() => expect(last().get("q")).toBe("refund"));
    // debounced: one request for the whole word, not one per key
    expect(seen.filter((p) => p.get("q") && p.get("q") !== "refund")).toHaveLength(0);

    await userEvent.click(screen.getByRole("tab", { name: "All" }));
    await waitFor(() => expect(last().has("status")).toBe(false));
    expect(last().get("q")).toBe("refund");
  });

  it("narrows by intent, and clears the filters", async () => {
    answer(() =>
      list([conversation(), conversation({ id: "c2", subject: "Parcel", intent: "order_status" })]),
    );
    renderInbox("/inbox?intent=order_status");
    const rows = await screen.findAllByTestId("conversation-row");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toHaveTextContent("Parcel");
    expect(last().get("intent")).toBe("order_status");
    await userEvent.click(screen.getByRole("button", { name: "Clear filters" }));
    await waitFor(() => expect(screen.getAllByTestId("conversation-row")).toHaveLength(2));
  });

  it("shows an empty state, with a way out when filters hide everything", async () => {
    answer(() => list([]));
    renderInbox();
    expect(await screen.findByText("No open conversations")).toBeInTheDocument();
    expect(screen.getByTestId("empty-state")).toBeInTheDocument();
  });

  it("shows the empty state for filters with a button that clears them", async () => {
    answer((p) => list(p.get("priority") ? [] : [conversation()]));
    renderInbox("/inbox?priority=low");
    expect(await screen.findByText("No conversations match these filters")).toBeInTheDocument();
    const buttons = screen.getAllByRole("button", { name: "Clear filters" });
    await userEvent.click(buttons[buttons.length - 1]!);
    expect(await screen.findAllByTestId("conversation-row")).toHaveLength(1);
  });

  it("shows the API's error and retries", async () => {
    let calls = 0;
    server.use(
      http.get(url("/api/v1/conversations"), () => {
        calls += 1;
        return calls === 1
          ? apiError(503, "unavailable", "the database is restarting")
          : HttpResponse.json(list([conversation()]));
      }),
    );
    renderInbox();
    expect(await screen.findByText("the database is restarting")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(await screen.findAllByTestId("conversation-row")).toHaveLength(1);
  });

  it("loads more with the next cursor", async () => {
    answer((p) =>
      p.get("cursor") === "page-2"
        ? list([conversation({ id: "c2", subject: "Older one" })])
        : list([conversation()], "page-2"),
    );
    renderInbox();
    await screen.findAllByTestId("conversation-row");
    await userEvent.click(screen.getByRole("button", { name: "Load more" }));
    expect(await screen.findByText("Older one")).toBeInTheDocument();
    expect(last().get("cursor")).toBe("page-2");
    expect(screen.getAllByTestId("conversation-row")).toHaveLength(2);
    expect(screen.queryByRole("button", { name: "Load more" })).not.toBeInTheDocument();
  });

  it("shows a conversation that arrives live, marked new", async () => {
    let items = [conversation({ last_message_at: new Date(Date.now() - HOUR / 2).toISOString() })];
    answer(() => list(items));
    const { client } = renderInbox();
    await screen.findAllByTestId("conversation-row");
    items = [conversation({ id: "c-new", subject: "Brand new question" }), ...items];
    // what useLiveInvalidation does on message.created
    await client.invalidateQueries({ queryKey: ["conversations"] });
    const row = (await screen.findByText("Brand new question")).closest("tr")!;
    expect(within(row).getByText("New")).toBeInTheDocument();
    expect(screen.getByText("1 new since you opened this view")).toBeInTheDocument();
  });
});
