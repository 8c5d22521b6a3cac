import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { useAuth } from "../../auth/store";
import { renderPage, signIn } from "../../test/render";
import { apiError, http, HttpResponse, ME, server, url } from "../../test/server";
import {
  confusion,
  MODELS,
  ORGANIZATION,
  PROMOTED,
  REFUSED_NUMBERS,
  REFUSED_REASON,
  run,
  V3,
} from "./fixtures";
import ModelsPage from "./ModelsPage";

function answer({
  models = MODELS,
  promotions = [PROMOTED],
  runs = [] as ReturnType<typeof run>[],
} = {}) {
  server.use(
    http.get(url("/api/v1/models"), () => HttpResponse.json(models)),
    http.get(url("/api/v1/models/intent/promotions"), () =>
      HttpResponse.json({ items: promotions, next_cursor: null }),
    ),
    http.get(url("/api/v1/training/runs"), () =>
      HttpResponse.json({ items: runs, next_cursor: null }),
    ),
    http.get(url("/api/v1/organization"), () => HttpResponse.json(ORGANIZATION)),
  );
}

function render() {
  return renderPage(<ModelsPage />, { path: "/models", route: "/models" });
}

const row = (version: string) => screen.getByTestId(`model-version-${version}`);

describe("ModelsPage", () => {
  beforeEach(() => signIn());

  it("lists the model's versions with their metrics and marks the one serving", async () => {
    answer();
    render();
    expect(await screen.findByTestId("serving-version")).toHaveTextContent("2");
    expect(screen.getByText("Challenger: v3")).toBeInTheDocument();
    expect(within(row("3")).getByText("93.44%")).toBeInTheDocument();
    expect(within(row("3")).getByText("3.5 ms")).toBeInTheDocument();
    expect(within(row("3")).getByText("finetune")).toBeInTheDocument();
    expect(within(row("2")).getByText("champion · serving")).toBeInTheDocument();
    expect(within(row("1")).getByText("shipped default")).toBeInTheDocument();
    // the champion cannot be promoted again; the others can
    expect(within(row("2")).queryByRole("button", { name: "Promote" })).not.toBeInTheDocument();
    expect(within(row("3")).getByRole("button", { name: "Promote" })).toBeEnabled();
    expect(await screen.findByText(/beats the champion's 0.6000/)).toBeInTheDocument();
    expect(screen.getByText("No training runs yet")).toBeInTheDocument();
  });

  it("says the shipped default serves when there is no champion", async () => {
    answer({
      models: { items: [{ ...MODELS.items[0]!, champion: null, challenger: null, versions: [] }] },
      promotions: [],
    });
    render();
    expect(await screen.findByTestId("serving-version")).toHaveTextContent("Shipped default");
    expect(screen.getByText("No versions yet")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Roll back" })).not.toBeInTheDocument();
    expect(await screen.findByText("No promotions or rollbacks yet")).toBeInTheDocument();
  });

  it("compares the selected versions side by side and marks the best figures", async () => {
    answer();
    render();
    await userEvent.click(await screen.findByRole("checkbox", { name: "Compare version 2" }));
    expect(screen.getByText("Select another version to compare it with v2.")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("checkbox", { name: "Compare version 3" }));
    const table = screen.getByRole("table", { name: "Comparison of intent versions" });
    const headers = within(table)
      .getAllByRole("columnheader")
      .map((h) => h.textContent);
    expect(headers).toEqual(["Metric", "v2", "v3"]);
    const accuracy = within(table).getByRole("row", { name: /^Accuracy/ });
    expect(within(accuracy).getByText("93.44% (best)")).toBeInTheDocument();
    expect(within(accuracy).getByText("92.21%")).toBeInTheDocument();
    const ece = within(table).getByRole("row", { name: /^ECE/ });
    expect(within(ece).getByText("0.017 (best)")).toBeInTheDocument();
    expect(within(table).getByRole("row", { name: /gate_accuracy/ })).toHaveTextContent("0.9278");
    await userEvent.click(screen.getByRole("button", { name: "Clear comparison" }));
    expect(screen.queryByRole("table", { name: /Comparison/ })).not.toBeInTheDocument();
  });

  it("shows a version's confusion matrix as a table, filtered to the most confused labels", async () => {
    answer();
    server.use(
      http.get(url("/api/v1/models/intent/versions/3/details"), () =>
        HttpResponse.json({
          ...V3,
          split: "test",
          report: [
            { label: "intent_00", precision: 0.9, recall: 0.95, f1: 0.92, support: 20 },
            { label: "intent_19", precision: 0.5, recall: 0.4, f1: 0.44, support: 39 },
          ],
          confusion: confusion(20),
        }),
      ),
    );
    render();
    await userEvent.click(
      await within(await findRow("3")).findByRole("button", { name: "Details" }),
    );
    const matrix = await screen.findByRole("table", {
      name: /Confusion matrix of v3 on the test split/,
    });
    // 15 of 20 labels by default: the ones most involved in mistakes
    expect(within(matrix).getAllByRole("rowheader")).toHaveLength(15);
    expect(within(matrix).getByRole("rowheader", { name: "intent_19" })).toBeInTheDocument();
    // intent_01 is mistaken once and never predicted wrongly: the least confused
    expect(within(matrix).queryByRole("rowheader", { name: "intent_01" })).not.toBeInTheDocument();
    expect(within(matrix).getByRole("columnheader", { name: "intent_18" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("combobox", { name: "Labels shown" }));
    await userEvent.click(screen.getByRole("option", { name: "All 20 labels" }));
    expect(within(matrix).getAllByRole("rowheader")).toHaveLength(20);
    const report = screen.getByRole("table", { name: "Per-class report of v3" });
    expect(within(report).getAllByRole("rowheader")[0]).toHaveTextContent("intent_19");
  });

  it("says so when a version logged no evaluation", async () => {
    answer();
    server.use(
      http.get(url("/api/v1/models/intent/versions/1/details"), () =>
        HttpResponse.json({
          version: "1",
          aliases: [],
          metrics: {},
          mlflow_run_id: null,
          split: null,
          report: null,
          confusion: null,
        }),
      ),
    );
    render();
    await userEvent.click(within(await findRow("1")).getByRole("button", { name: "Details" }));
    expect(await screen.findByText("No evaluation logged for this version")).toBeInTheDocument();
  });

  it("starts a training run with the options that apply to the trainer", async () => {
    answer();
    let body: unknown = null;
    server.use(
      http.post(url("/api/v1/training/runs"), async ({ request }) => {
        body = await request.json();
        return HttpResponse.json(
          { id: "99999999-2222-4333-8444-555555555555", status: "queued" },
          { status: 202 },
        );
      }),
    );
    render();
    await userEvent.click(await screen.findByRole("button", { name: "Start training" }));
    const dialog = screen.getByRole("dialog", { name: "Start training" });
    await userEvent.click(within(dialog).getByRole("combobox", { name: "Trainer" }));
    await userEvent.click(screen.getByRole("option", { name: /Fine-tune/ }));
    await userEvent.type(within(dialog).getByLabelText("Epochs"), "99");
    await userEvent.click(within(dialog).getByRole("button", { name: "Start" }));
    expect(await within(dialog).findByText("Epochs must be between 1 and 50")).toBeInTheDocument();
    expect(body).toBeNull();

    await userEvent.clear(within(dialog).getByLabelText("Epochs"));
    await userEvent.type(within(dialog).getByLabelText("Epochs"), "3");
    await userEvent.type(within(dialog).getByLabelText("Learning rate"), "2e-5");
    await userEvent.type(within(dialog).getByLabelText("Examples per split"), "100");
    await userEvent.type(
      within(dialog).getByLabelText("Only these intents"),
      "card_arrival, exchange_rate",
    );
    await userEvent.click(within(dialog).getByRole("button", { name: "Start" }));
    expect(await screen.findByText("Training run 99999999 queued")).toBeInTheDocument();
    expect(body).toEqual({
      task: "intent",
      dataset: "banking77",
      trainer: "finetune",
      params: {
        epochs: 3,
        learning_rate: 2e-5,
        limit: 100,
        labels: ["card_arrival", "exchange_rate"],
      },
    });
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
  });

  it("shows the API's refusal of a training run in the dialog", async () => {
    answer();
    server.use(
      http.post(url("/api/v1/training/runs"), () =>
        apiError(503, "unavailable", "MLflow is not configured"),
      ),
    );
    render();
    await userEvent.click(await screen.findByRole("button", { name: "Start training" }));
    const dialog = screen.getByRole("dialog", { name: "Start training" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Start" }));
    expect(await within(dialog).findByText("MLflow is not configured")).toBeInTheDocument();
    expect(within(dialog).getByRole("button", { name: "Start" })).toBeEnabled();
  });

  it("lists the API's field errors when it refuses the training options", async () => {
    answer();
    server.use(
      http.post(url("/api/v1/training/runs"), () =>
        apiError(422, "validation_error", "invalid request: check params", [
          {
            loc: ["body", "params"],
            msg: "Value error, params.labels must be 2-1000 label names",
            type: "value_error",
          },
        ]),
      ),
    );
    render();
    await userEvent.click(await screen.findByRole("button", { name: "Start training" }));
    const dialog = screen.getByRole("dialog", { name: "Start training" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Start" }));
    expect(await within(dialog).findByText("invalid request: check params")).toBeInTheDocument();
    expect(
      within(dialog).getByText("params.labels must be 2-1000 label names"),
    ).toBeInTheDocument();
  });

  it("evaluates a version on a public split and shows the figures", async () => {
    answer();
    let body: unknown = null;
    server.use(
      http.post(url("/api/v1/models/intent/evaluate"), async ({ request }) => {
        body = await request.json();
        return HttpResponse.json({
          model: "intent",
          version: "3",
          dataset: "clinc150",
          split: "validation",
          metrics: { validation_accuracy: 0.9512, validation_n: 500, latency_p95_ms: 3.2 },
          mlflow_run_id: "eval-1",
        });
      }),
    );
    render();
    await userEvent.click(within(await findRow("3")).getByRole("button", { name: "Evaluate" }));
    const dialog = screen.getByRole("dialog", { name: "Evaluate intent v3" });
    await userEvent.click(within(dialog).getByRole("combobox", { name: "Dataset" }));
    await userEvent.click(screen.getByRole("option", { name: /CLINC150/ }));
    await userEvent.click(within(dialog).getByRole("combobox", { name: "Split" }));
    await userEvent.click(screen.getByRole("option", { name: "validation" }));
    await userEvent.type(within(dialog).getByLabelText("Examples (optional)"), "5");
    await userEvent.click(within(dialog).getByRole("button", { name: "Evaluate" }));
    expect(await within(dialog).findByText("A whole number from 10 to 100000")).toBeInTheDocument();
    expect(body).toBeNull();
    await userEvent.type(within(dialog).getByLabelText("Examples (optional)"), "00");
    await userEvent.click(within(dialog).getByRole("button", { name: "Evaluate" }));
    const figures = await within(dialog).findByRole("table", { name: "Evaluation of v3" });
    expect(
      within(figures).getByRole("row", { name: "validation_accuracy 0.9512" }),
    ).toBeInTheDocument();
    expect(body).toEqual({ version: "3", dataset: "clinc150", split: "validation", limit: 500 });
  });

  it("follows a running training run until it finishes", async () => {
    let calls = 0;
    answer();
    server.use(
      http.get(url("/api/v1/training/runs"), () => {
        calls += 1;
        const item =
          calls === 1
            ? run()
            : run({
                status: "succeeded",
                progress: 1,
                stage: "done",
                model_version: "4",
                metrics: { accuracy: 0.95 },
                finished_at: "2026-11-27T09:02:00Z",
              });
        return HttpResponse.json({ items: [item], next_cursor: null });
      }),
    );
    render();
    expect(await screen.findByText("42%")).toBeInTheDocument();
    expect(screen.getByText("running")).toBeInTheDocument();
    expect(
      screen.getByRole("progressbar", { name: /Progress of run 11111111/ }),
    ).toBeInTheDocument();
    expect(await screen.findByText("succeeded", {}, { timeout: 5000 })).toBeInTheDocument();
    expect(screen.getByText("100%")).toBeInTheDocument();
    expect(screen.getByText("v4")).toBeInTheDocument();
    expect(screen.getByText("95.00%")).toBeInTheDocument();
  });

  it("promotes a version through the gate and shows the decision", async () => {
    answer();
    let body: unknown = null;
    server.use(
      http.post(url("/api/v1/models/intent/promote"), async ({ request }) => {
        body = await request.json();
        return HttpResponse.json({
          ...PROMOTED,
          id: "00000000-0000-4000-8000-000000000102",
          from_version: "2",
          to_version: "3",
          numbers: {
            ...REFUSED_NUMBERS,
            passed: true,
            challenger: { ...REFUSED_NUMBERS.challenger, accuracy: 0.93 },
          },
          reason: "gate accuracy 0.9300 beats the champion's 0.9150 by +0.0150 (margin 0.005)",
        });
      }),
    );
    render();
    await userEvent.click(within(await findRow("3")).getByRole("button", { name: "Promote" }));
    const dialog = screen.getByRole("dialog", { name: "Promote intent v3 to champion?" });
    expect(within(dialog).getByText(/beats the champion by at least 0.005/)).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole("button", { name: "Promote" }));
    expect(await within(dialog).findByText("Gate passed: promoted")).toBeInTheDocument();
    expect(within(dialog).getByText(/by \+0.0150/)).toBeInTheDocument();
    expect(within(dialog).getByRole("table", { name: "Gate numbers" })).toHaveTextContent("93.00%");
    expect(body).toEqual({ version: "3", force: false });
    expect(await screen.findByText("Version 3 is now serving")).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole("button", { name: "Done" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
  });

  it("shows the gate's refusal with its numbers, and lets an admin promote anyway", async () => {
    answer();
    const bodies: unknown[] = [];
    server.use(
      http.post(url("/api/v1/models/intent/promote"), async ({ request }) => {
        const body = (await request.json()) as { force: boolean };
        bodies.push(body);
        if (!body.force)
          return apiError(409, "conflict", `promotion refused: ${REFUSED_REASON}`, {
            numbers: REFUSED_NUMBERS,
          });
        return HttpResponse.json({
          ...PROMOTED,
          outcome: "forced",
          from_version: "2",
          to_version: "3",
          numbers: REFUSED_NUMBERS,
          reason: REFUSED_REASON,
        });
      }),
    );
    render();
    await userEvent.click(within(await findRow("3")).getByRole("button", { name: "Promote" }));
    const dialog = screen.getByRole("dialog");
    await userEvent.click(within(dialog).getByRole("button", { name: "Promote" }));
    const refusal = await within(dialog).findByTestId("gate-refusal");
    expect(refusal).toHaveTextContent("The gate refused");
    expect(refusal).toHaveTextContent(REFUSED_REASON);
    const numbers = within(dialog).getByRole("table", { name: "Gate numbers" });
    const accuracy = within(numbers).getByRole("row", { name: /Accuracy \(gate metric\)/ });
    expect(accuracy).toHaveTextContent("91.72%");
    expect(accuracy).toHaveTextContent("91.50%");
    expect(accuracy).toHaveTextContent("+0.22 pp");
    expect(within(dialog).getByText(/1040 gate examples of banking77/)).toBeInTheDocument();
    expect(within(dialog).queryByRole("button", { name: "Promote" })).not.toBeInTheDocument();

    await userEvent.click(within(dialog).getByRole("button", { name: "Promote anyway" }));
    expect(await within(dialog).findByText("Promoted past the gate")).toBeInTheDocument();
    expect(bodies).toEqual([
      { version: "3", force: false },
      { version: "3", force: true },
    ]);
    expect(
      await screen.findByText("Version 3 promoted past the gate (forced)"),
    ).toBeInTheDocument();
  });

  it("does not offer 'Promote anyway' to someone who is not an admin", async () => {
    useAuth.getState().setProfile({ ...ME.user, role: "member" }, ME.organization, ME.permissions);
    answer();
    server.use(
      http.post(url("/api/v1/models/intent/promote"), () =>
        apiError(409, "conflict", `promotion refused: ${REFUSED_REASON}`, {
          numbers: REFUSED_NUMBERS,
        }),
      ),
    );
    render();
    await userEvent.click(within(await findRow("3")).getByRole("button", { name: "Promote" }));
    const dialog = screen.getByRole("dialog");
    await userEvent.click(within(dialog).getByRole("button", { name: "Promote" }));
    expect(
      await within(dialog).findByText("Only an admin can promote a version past the gate."),
    ).toBeInTheDocument();
    expect(
      within(dialog).queryByRole("button", { name: "Promote anyway" }),
    ).not.toBeInTheDocument();
  });

  it("rolls back to the previous champion", async () => {
    answer();
    let body: unknown = null;
    server.use(
      http.post(url("/api/v1/models/intent/rollback"), async ({ request }) => {
        body = await request.json();
        return HttpResponse.json({
          ...PROMOTED,
          action: "rollback",
          outcome: "rolled_back",
          from_version: "2",
          to_version: "1",
          numbers: {},
          reason: "champion moved back from 2 to 1",
        });
      }),
    );
    render();
    await screen.findByTestId("serving-version");
    await userEvent.click(screen.getByRole("button", { name: "Roll back" }));
    const dialog = screen.getByRole("dialog", { name: "Roll back intent?" });
    expect(await within(dialog).findByText("The previous champion (v1)")).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole("button", { name: "Roll back" }));
    expect(
      await screen.findByText("Rolled back: version 1 is serving (was 2)"),
    ).toBeInTheDocument();
    expect(body).toEqual({});
  });

  it("shows why a rollback failed", async () => {
    answer();
    server.use(
      http.post(url("/api/v1/models/intent/rollback"), () =>
        apiError(409, "conflict", "model intent has no earlier version to roll back to"),
      ),
    );
    render();
    await userEvent.click(await screen.findByRole("button", { name: "Roll back" }));
    const dialog = screen.getByRole("dialog");
    await userEvent.click(within(dialog).getByRole("button", { name: "Roll back" }));
    expect(
      await within(dialog).findByText("model intent has no earlier version to roll back to"),
    ).toBeInTheDocument();
  });

  it("hides training, promotion and rollback from someone who may only read", async () => {
    signIn(["read:models"]);
    answer();
    render();
    await screen.findByTestId("serving-version");
    expect(screen.getByRole("button", { name: "Start training" })).toBeDisabled();
    expect(screen.queryByRole("button", { name: "Promote" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Roll back" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Evaluate" })).not.toBeInTheDocument();
    // reading stays possible
    expect(within(row("3")).getByRole("button", { name: "Details" })).toBeEnabled();
  });

  it("shows the API's error when the models cannot be loaded", async () => {
    answer();
    server.use(
      http.get(url("/api/v1/models"), () =>
        apiError(500, "internal_error", "registry unreachable"),
      ),
    );
    render();
    expect(await screen.findByText("registry unreachable")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Retry" })).toBeInTheDocument();
  });
});

async function findRow(version: string) {
  return screen.findByTestId(`model-version-${version}`);
}
