import { describe, expect, it } from "vitest";
import { ApiError } from "../../api/client";
import { confusion, PROMOTED, REFUSED_NUMBERS, REFUSED_REASON, V1, V2, V3 } from "./fixtures";
import {
  bestVersions,
  confusionScores,
  gateNumbers,
  gateRefusal,
  gateSettings,
  rollbackTarget,
  topConfused,
} from "./modelData";
import { TRAINING_DEFAULTS, trainingBody, trainingSchema } from "./trainingForm";

describe("model data", () => {
  it("finds the best version of each metric, lower being better for ECE and latency", () => {
    expect(bestVersions([V1, V2, V3])).toEqual({
      accuracy: ["3"],
      macro_f1: ["3"],
      ece: ["3"],
      latency_p95_ms: ["3"],
    });
    const tie = { ...V2, version: "4", metrics: { ...V2.metrics, accuracy: 0.9344 } };
    expect(bestVersions([V2, V3, tie]).accuracy).toEqual(["3", "4"]);
    expect(bestVersions([V1, V2]).accuracy).toEqual([]); // one scored version: nothing to beat
  });

  it("keeps the labels most involved in mistakes, in their order", () => {
    const m = {
      labels: ["a", "b", "c"],
      matrix: [
        [5, 3, 0],
        [0, 9, 0],
        [1, 0, 7],
      ],
    };
    expect(confusionScores(m)).toEqual([4, 3, 1]);
    expect(topConfused(m, 2)).toEqual({
      labels: ["a", "b"],
      matrix: [
        [5, 3],
        [0, 9],
      ],
    });
    expect(topConfused(m, 5)).toBe(m);
    const big = topConfused(confusion(20), 3);
    expect(big.labels).toEqual(["intent_17", "intent_18", "intent_19"]);
    expect(big.matrix).toEqual([
      [20, 17, 0],
      [0, 20, 18],
      [0, 0, 20],
    ]);
  });

  it("tells the version a rollback goes back to, as the API decides it", () => {
    expect(rollbackTarget("2", [PROMOTED], [V1, V2, V3])).toBe("1");
    // no promotion record: the newest earlier version
    expect(rollbackTarget("3", [], [V1, V2, V3])).toBe("2");
    const back = {
      ...PROMOTED,
      action: "rollback",
      outcome: "rolled_back",
      from_version: "3",
      to_version: "2",
    };
    const refused = { ...PROMOTED, outcome: "refused", from_version: "3", to_version: "2" };
    expect(rollbackTarget("2", [refused, back, PROMOTED], [V1, V2, V3])).toBe("3");
    expect(rollbackTarget("1", [], [V1, V2])).toBeNull();
    expect(rollbackTarget(null, [PROMOTED], [V1])).toBeNull();
  });

  it("reads a gate refusal's reason and numbers from a 409", () => {
    const error = new ApiError(409, "conflict", `promotion refused: ${REFUSED_REASON}`, {
      numbers: REFUSED_NUMBERS,
    });
    const refusal = gateRefusal(error);
    expect(refusal?.reason).toBe(REFUSED_REASON);
    expect(refusal?.numbers).toMatchObject({
      metric: "accuracy",
      margin: 0.005,
      gate_examples: 1040,
      passed: false,
      challenger: { version: "3", accuracy: 0.9172, latency_p95_ms: 3.5 },
      champion: { version: "2", accuracy: 0.915 },
    });
    expect(gateRefusal(new ApiError(409, "conflict", "version 2 is already the champion"))).toEqual(
      {
        reason: "version 2 is already the champion",
        numbers: null,
      },
    );
    expect(gateRefusal(new ApiError(403, "forbidden", "no"))).toBeNull();
    expect(gateNumbers({})).toBeNull();
  });

  it("reads the organization's gate, with the API's defaults", () => {
    expect(gateSettings({})).toEqual({
      metric: "accuracy",
      margin: 0.005,
      max_latency_p95_ms: 100,
      configured: false,
    });
    expect(gateSettings({ promotion_gate: { metric: "macro_f1", margin: 0.01 } })).toEqual({
      metric: "macro_f1",
      margin: 0.01,
      max_latency_p95_ms: 100,
      configured: true,
    });
  });
});

describe("the training form", () => {
  it("sends only the options that are set and apply to the trainer", () => {
    expect(trainingBody(TRAINING_DEFAULTS)).toEqual({
      task: "intent",
      dataset: "banking77",
      trainer: "embedding-logreg",
      params: {},
    });
    expect(
      trainingBody({
        ...TRAINING_DEFAULTS,
        epochs: "4", // finetune only: dropped
        ngrams: "false",
        c_grid: "1, 4,16",
        seed: "7",
        base: "none", // org only: dropped
      }),
    ).toEqual({
      task: "intent",
      dataset: "banking77",
      trainer: "embedding-logreg",
      params: { ngrams: false, c_grid: [1, 4, 16], seed: 7 },
    });
    expect(
      trainingBody({ ...TRAINING_DEFAULTS, dataset: "org", base: "none", ngrams: "auto" }).params,
    ).toEqual({
      base: "none",
      ngrams: "auto",
    });
  });

  it("checks the API's bounds before sending", async () => {
    const errors = async (values: Partial<typeof TRAINING_DEFAULTS>) =>
      trainingSchema
        .validate({ ...TRAINING_DEFAULTS, ...values }, { abortEarly: false })
        .then(() => [])
        .catch((e: { errors: string[] }) => e.errors);
    expect(await errors({})).toEqual([]);
    expect(await errors({ batch_size: "2", seed: "1.5", learning_rate: "abc" })).toEqual(
      expect.arrayContaining([
        "Batch size must be between 4 and 256",
        "Seed: enter a whole number",
        "Learning rate: enter a number",
      ]),
    );
    expect(await errors({ labels: "only_one" })).toHaveLength(1);
    expect(await errors({ c_grid: "0, 4" })).toHaveLength(1);
    expect(await errors({ label_smoothing: "0.5", learning_rate: "0.001" })).toEqual([]);
  });
});
