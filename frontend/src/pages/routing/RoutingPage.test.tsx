import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { LiveEvent } from "../../live/events";
import { renderPage, signIn } from "../../test/render";
import { apiError, http, HttpResponse, ME, server, url } from "../../test/server";
import { dailySeries } from "./SpendPanel";
import RoutingPage, { sinceFor } from "./RoutingPage";
import type { PolicyView, Spend } from "./types";

// Live events are handed to the page directly (no socket in component tests).
const live = vi.hoisted(() => ({ listeners: [] as ((event: LiveEvent) => void)[] }));
vi.mock("../../live/useLive", () => ({
  useLiveEvents: (listener: (event: LiveEvent) => void) => {
    live.listeners.push(listener);
  },
}));

const CHAIN = [
  "openai:gpt-4o-mini",
  "anthropic:claude-haiku-4-5",
  "google:gemini-2.5-flash",
  "local",
];
const task = {
  models: CHAIN,
  strategy: "preference",
  quality: "standard",
  max_cost_usd: null,
  max_output_tokens: null,
  timeout_s: 30.0,
  stream: false,
  budgets: null,
} as const;

// GET /api/v1/routing/policy as routing/policies.view() writes it.
const POLICY: PolicyView = {
  providers: { openai: { base_url: null, api_key: null, api_key_set: true } },
  tasks: {
    classify_fallback: { ...task, models: [...CHAIN] },
    draft: { ...task, models: [...CHAIN] },
    translate: { ...task, models: [...CHAIN] },
    summarize: { ...task, models: [...CHAIN] },
  },
  budgets: { daily_usd: 5.0, monthly_usd: 100.0, soft_ratio: 0.8 },
  allowed_providers: null,
  escalation_threshold: 0.6,
  mask_pii: true,
  version: 3,
};

const today = new Date().toISOString().slice(0, 10);
const SPEND: Spend = {
  since: sinceFor(30),
  by_day: { [today]: 1.25 },
  by_provider: { anthropic: 1.0, openai: 0.25 },
  by_model: { "anthropic:claude-haiku-4-5": 1.0, "openai:gpt-4o-mini": 0.25 },
  by_task: { draft: 1.25 },
  calls: { ok: 7, error: 1 },
  total_usd: 1.25,
  budget: {
    daily_usd: 5,
    monthly_usd: 100,
    soft_ratio: 0.8,
    today_spent_usd: 1.25,
    today_reserved_usd: 0,
    month_spent_usd: 1.25,
    month_reserved_usd: 0,
  },
};

function handlers() {
  server.use(
    http.get(url("/api/v1/routing/policy"), () => HttpResponse.json(POLICY)),
    http.get(url("/api/v1/routing/spend"), () => HttpResponse.json(SPEND)),
  );
}

describe("RoutingPage", () => {
  beforeEach(() => signIn());

  it("loads the policy, edits the daily budget and PUTs the whole policy", async () => {
    handlers();
    let sent: Record<string, unknown> | null = null;
    server.use(
      http.put(url("/api/v1/routing/policy"), async ({ request }) => {
        sent = (await request.json()) as Record<string, unknown>;
        return HttpResponse.json({
          ...POLICY,
          budgets: { ...POLICY.budgets, daily_usd: 12.5 },
          version: 4,
        });
      }),
    );
    renderPage(<RoutingPage />);
    const daily = await screen.findByLabelText("Daily budget (USD)");
    expect(daily).toHaveValue(5);
    expect(screen.getByText("API key set")).toBeInTheDocument();
    expect(screen.getByLabelText("openai API key")).toHaveValue("");
    await userEvent.clear(daily);
    await userEvent.type(daily, "12.5");
    await userEvent.click(screen.getByRole("button", { name: "Save policy" }));
    expect(await screen.findByText("Policy saved")).toBeInTheDocument();
    expect(sent).toMatchObject({
      budgets: { daily_usd: 12.5, monthly_usd: 100, soft_ratio: 0.8 },
      escalation_threshold: 0.6,
      mask_pii: true,
      allowed_providers: null,
      tasks: { draft: { models: CHAIN, quality: "standard", timeout_s: 30 } },
    });
    // the stored key is neither shown nor sent back (omitted keeps it)
    expect(sent!.providers).toEqual({ openai: {} });
    expect(sent).not.toHaveProperty("version");
  });

  it("reorders a task's models with the keyboard-usable buttons", async () => {
    handlers();
    let sent: { tasks: Record<string, { models: string[] }> } | null = null;
    server.use(
      http.put(url("/api/v1/routing/policy"), async ({ request }) => {
        sent = (await request.json()) as typeof sent;
        return HttpResponse.json(POLICY);
      }),
    );
    renderPage(<RoutingPage />);
    const list = await screen.findByTestId("models-classify_fallback");
    const down = within(list).getByRole("button", { name: "Move openai:gpt-4o-mini down" });
    down.focus();
    await userEvent.keyboard("{Enter}");
    await waitFor(() =>
      expect(within(list).getAllByRole("listitem")[0]).toHaveTextContent(
        "anthropic:claude-haiku-4-5",
      ),
    );
    expect(
      within(list).getByRole("button", { name: "Move openai:gpt-4o-mini down" }),
    ).toHaveFocus();
    await userEvent.click(within(list).getByRole("button", { name: "Remove local" }));
    await userEvent.click(screen.getByRole("button", { name: "Save policy" }));
    await waitFor(() => expect(sent).not.toBeNull());
    expect(sent!.tasks.classify_fallback!.models).toEqual([
      "anthropic:claude-haiku-4-5",
      "openai:gpt-4o-mini",
      "google:gemini-2.5-flash",
    ]);
  });

  it("shows why the server refused the policy, next to the fields", async () => {
    handlers();
    server.use(
      http.put(url("/api/v1/routing/policy"), () =>
        apiError(400, "invalid_policy", "the routing policy is invalid", [
          { loc: "budgets.daily_usd", message: "Input should be greater than or equal to 0" },
          {
            task: "draft",
            model: "openai:gpt-7",
            message: "draft: openai:gpt-7 is not in the price book",
          },
          { loc: "providers", message: "unknown providers ['mistral']" },
        ]),
      ),
    );
    renderPage(<RoutingPage />);
    await screen.findByLabelText("Daily budget (USD)");
    await userEvent.click(screen.getByRole("button", { name: "Save policy" }));
    expect(
      await screen.findByText("Input should be greater than or equal to 0"),
    ).toBeInTheDocument();
    expect(screen.getByLabelText("Daily budget (USD)")).toHaveAttribute("aria-invalid", "true");
    expect(
      within(screen.getByTestId("task-draft")).getByText(
        "draft: openai:gpt-7 is not in the price book",
      ),
    ).toBeInTheDocument();
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("The policy was not saved");
    expect(alert).toHaveTextContent("providers: unknown providers ['mistral']");
    expect(screen.queryByText("Policy saved")).not.toBeInTheDocument();
  });

  it("validates before saving", async () => {
    handlers();
    let calls = 0;
    server.use(
      http.put(url("/api/v1/routing/policy"), () => {
        calls += 1;
        return HttpResponse.json(POLICY);
      }),
    );
    renderPage(<RoutingPage />);
    const threshold = await screen.findByLabelText("Escalation threshold (confidence)");
    await userEvent.clear(threshold);
    await userEvent.type(threshold, "2");
    await userEvent.click(screen.getByRole("button", { name: "Save policy" }));
    expect(await screen.findByText("Escalation threshold must be at most 1")).toBeInTheDocument();
    expect(calls).toBe(0);
  });

  it("is read-only without write:routing", async () => {
    signIn(ME.permissions.filter((p) => p !== "write:routing"));
    handlers();
    renderPage(<RoutingPage />);
    expect(await screen.findByLabelText("Daily budget (USD)")).toBeDisabled();
    expect(screen.queryByRole("button", { name: "Save policy" })).not.toBeInTheDocument();
    expect(screen.queryByLabelText("openai API key")).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Move .* down/ })).not.toBeInTheDocument();
    expect(screen.getByText(/needs the write:routing permission/)).toBeInTheDocument();
  });

  it("shows spend per day and per provider as tables", async () => {
    handlers();
    renderPage(<RoutingPage />);
    const perDay = await screen.findByRole("region", { name: "Spend per day" });
    await userEvent.click(within(perDay).getByRole("button", { name: "Table" }));
    const row = within(screen.getByTestId("spend-per-day-table")).getByText(today).closest("tr")!;
    expect(row).toHaveTextContent("$1.25");
    expect(row).toHaveTextContent("$5.00");
    expect(row).toHaveTextContent("25%");
    const byProvider = screen.getByRole("region", { name: "By provider" });
    await userEvent.click(within(byProvider).getByRole("button", { name: "Table" }));
    expect(within(byProvider).getByRole("cell", { name: "anthropic" })).toBeInTheDocument();
    expect(within(byProvider).getByRole("cell", { name: "80%" })).toBeInTheDocument();
    expect(screen.getByText("Calls: 7 ok, 1 error")).toBeInTheDocument();
  });

  it("refreshes spend and warns on a live budget.alert", async () => {
    let served = 0;
    server.use(
      http.get(url("/api/v1/routing/policy"), () => HttpResponse.json(POLICY)),
      http.get(url("/api/v1/routing/spend"), () => {
        served += 1;
        return HttpResponse.json(SPEND);
      }),
    );
    const { client } = renderPage(<RoutingPage />);
    await screen.findByText("Calls: 7 ok, 1 error");
    const event: LiveEvent = {
      id: "e1",
      seq: 1,
      kind: "budget.alert",
      organization_id: ME.organization.id,
      conversation_id: null,
      message_id: null,
      data: { threshold: "daily:soft", day_spent: 4.1 },
      occurred_at: "2026-11-02T10:00:00Z",
    };
    act(() => live.listeners.at(-1)?.(event));
    // the Layout invalidates ["routing"] on this event; do the same here
    await act(() => client.invalidateQueries({ queryKey: ["routing"] }));
    expect(
      await screen.findByText("Budget alert: spend has crossed the daily soft alert threshold."),
    ).toBeInTheDocument();
    await waitFor(() => expect(served).toBeGreaterThan(1));
  });

  it("shows an error when the policy cannot load", async () => {
    server.use(
      http.get(url("/api/v1/routing/policy"), () =>
        apiError(500, "internal_error", "policy store down"),
      ),
      http.get(url("/api/v1/routing/spend"), () => HttpResponse.json(SPEND)),
    );
    renderPage(<RoutingPage />);
    expect(await screen.findByText("policy store down")).toBeInTheDocument();
  });
});

describe("dailySeries", () => {
  it("fills the days without spend with zero", () => {
    const series = dailySeries(
      { ...SPEND, since: "2026-11-01", by_day: { "2026-11-02": 3 } },
      new Date("2026-11-03T12:00:00Z"),
    );
    expect(series).toEqual([
      { day: "2026-11-01", usd: 0 },
      { day: "2026-11-02", usd: 3 },
      { day: "2026-11-03", usd: 0 },
    ]);
  });
});
