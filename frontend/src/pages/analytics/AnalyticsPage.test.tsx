import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { renderPage, signIn } from "../../test/render";
import { apiError, http, HttpResponse, server, url } from "../../test/server";
import AnalyticsPage from "./AnalyticsPage";
import { emptyOverview, overview } from "./fixtures";
import { presetRange } from "./shape";

interface Asked {
  from: string | null;
  to: string | null;
  bucket: string | null;
}

function answer(body: typeof overview = overview): Asked[] {
  const asked: Asked[] = [];
  server.use(
    http.get(url("/api/v1/analytics/overview"), ({ request }) => {
      const q = new URL(request.url).searchParams;
      const from = q.get("from") ?? "";
      const to = q.get("to") ?? "";
      asked.push({ from, to, bucket: q.get("bucket") });
      return HttpResponse.json(body(from, to, (q.get("bucket") ?? "day") as "day"));
    }),
  );
  return asked;
}

function render(route = "/analytics") {
  return renderPage(<AnalyticsPage />, { path: "/analytics", route });
}

async function showTable(id: string) {
  const card = await screen.findByTestId(`chart-${id}`);
  await userEvent.click(within(card).getByRole("button", { name: "Table" }));
  return within(card).getByRole("table");
}

describe("AnalyticsPage", () => {
  beforeEach(() => signIn());

  it("asks for the last 14 days by day, and shows the headline figures", async () => {
    const asked = answer();
    render();
    expect(await screen.findByText("4 min 12 s")).toBeInTheDocument();
    const first = presetRange(14);
    expect(asked[0]).toEqual({ ...first, bucket: "day" });
    const response = screen.getByTestId("stat-first-response");
    expect(within(response).getByText("1 h 2 min")).toBeInTheDocument();
    expect(within(response).getByText("14")).toBeInTheDocument();
    expect(within(screen.getByTestId("stat-resolution")).getByText("1 d 2 h")).toBeInTheDocument();
    expect(within(screen.getByTestId("stat-automation")).getByText("25.0%")).toBeInTheDocument();
    expect(screen.getByText("Total $2.50")).toBeInTheDocument();
    expect(screen.getByText("75.0% accepted (50.0% as-is) of 8 decided")).toBeInTheDocument();
  });

  it("asks again with the new range when a preset or the bucket changes", async () => {
    const asked = answer();
    render();
    await screen.findByText("4 min 12 s");
    await userEvent.click(screen.getByRole("button", { name: "30 days" }));
    await waitFor(() => expect(asked).toHaveLength(2));
    expect(asked[1]).toEqual({ ...presetRange(30), bucket: "day" });
    await userEvent.click(screen.getByRole("button", { name: "By hour" }));
    await waitFor(() => expect(asked).toHaveLength(3));
    expect(asked[2]).toEqual({ ...presetRange(30), bucket: "hour" });
    // hourly buckets are for ranges of a month or less
    await userEvent.click(screen.getByRole("button", { name: "90 days" }));
    await waitFor(() => expect(asked).toHaveLength(4));
    expect(asked[3]).toEqual({ ...presetRange(90), bucket: "day" });
    expect(screen.getByRole("button", { name: "By hour" })).toBeDisabled();
  });

  it("asks for a custom range, and refuses an inverted one", async () => {
    const asked = answer();
    render();
    await screen.findByText("4 min 12 s");
    await userEvent.click(screen.getByRole("button", { name: "Custom" }));
    fireEvent.change(screen.getByLabelText("From"), { target: { value: "2026-11-10" } });
    fireEvent.change(screen.getByLabelText("To"), { target: { value: "2026-11-01" } });
    await userEvent.click(screen.getByRole("button", { name: "Apply" }));
    expect(screen.getByText("'From' is after 'to'")).toBeInTheDocument();
    expect(asked).toHaveLength(1);
    fireEvent.change(screen.getByLabelText("To"), { target: { value: "2026-11-16" } });
    await userEvent.click(screen.getByRole("button", { name: "Apply" }));
    await waitFor(() => expect(asked).toHaveLength(2));
    expect(asked[1]).toEqual({ from: "2026-11-10", to: "2026-11-16", bucket: "day" });
    expect(await screen.findByText("2026-11-10 to 2026-11-16 (UTC), by day")).toBeInTheDocument();
  });

  it("reads the range from the address", async () => {
    const asked = answer();
    render("/analytics?from=2026-11-01&to=2026-11-03&bucket=hour");
    await screen.findByText("4 min 12 s");
    expect(asked[0]).toEqual({ from: "2026-11-01", to: "2026-11-03", bucket: "hour" });
  });

  it("shows every chart's figures as a table", async () => {
    answer();
    render("/analytics?from=2026-11-20&to=2026-11-22");
    const volume = await showTable("volume");
    expect(
      within(volume)
        .getAllByRole("columnheader")
        .map((h) => h.textContent),
    ).toEqual(["Day (UTC)", "email", "whatsapp", "Total"]);
    expect(within(volume).getByRole("row", { name: "Nov 20 12 5 17" })).toBeInTheDocument();
    expect(within(volume).getByRole("row", { name: "Nov 22 0 0 0" })).toBeInTheDocument();

    const categories = await showTable("categories");
    expect(within(categories).getByRole("row", { name: "billing 12 75.0%" })).toBeInTheDocument();
    const intents = await showTable("intents");
    expect(within(intents).getByRole("row", { name: "card_arrival 8 61.5%" })).toBeInTheDocument();
    const sentiment = await showTable("sentiment");
    expect(within(sentiment).getByRole("row", { name: "Nov 20 4 10 3 17.6%" })).toBeInTheDocument();
    const drafts = await showTable("drafts");
    expect(
      within(drafts).getByRole("row", { name: "Edited, then approved 2 16.7%" }),
    ).toBeInTheDocument();
    const spend = await showTable("spend");
    expect(
      within(spend).getByRole("row", { name: "Nov 20 $1.25 $0.50 $1.75" }),
    ).toBeInTheDocument();

    // and back to the chart
    const card = screen.getByTestId("chart-spend");
    await userEvent.click(within(card).getByRole("button", { name: "Chart" }));
    expect(within(card).queryByRole("table")).not.toBeInTheDocument();
  });

  it("says when there is nothing in the range", async () => {
    answer(emptyOverview);
    render();
    expect(await screen.findByText("No activity in this range")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Table" })).not.toBeInTheDocument();
  });

  it("marks a chart with nothing in range, and keeps the others", async () => {
    answer((from, to) => ({ ...overview(from, to), spend: [], total_usd: 0 }));
    render();
    const spend = await screen.findByTestId("chart-spend");
    expect(within(spend).getByText("No data in this range")).toBeInTheDocument();
    expect(within(spend).queryByRole("button", { name: "Table" })).not.toBeInTheDocument();
    expect(
      within(screen.getByTestId("chart-volume")).getByRole("button", { name: "Table" }),
    ).toBeInTheDocument();
  });

  it("shows the API's error, and tries again", async () => {
    let calls = 0;
    server.use(
      http.get(url("/api/v1/analytics/overview"), ({ request }) => {
        calls += 1;
        const q = new URL(request.url).searchParams;
        if (calls === 1) return apiError(422, "invalid_range", "the range is longer than 366 days");
        return HttpResponse.json(overview(q.get("from") ?? "", q.get("to") ?? ""));
      }),
    );
    render();
    expect(await screen.findByText("the range is longer than 366 days")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(await screen.findByText("4 min 12 s")).toBeInTheDocument();
  });
});
