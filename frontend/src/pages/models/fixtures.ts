// API-shaped bodies for the Models page's tests (api/registry and api/training schemas).
import type { components } from "../../api/schema";

type S = components["schemas"];

export const V1: S["ModelVersionRead"] = {
  version: "1",
  aliases: [],
  metrics: { source: "shipped default" },
  mlflow_run_id: null,
  artifact_uri: null,
  created_at: "2026-11-20T10:00:00Z",
};

export const V2: S["ModelVersionRead"] = {
  version: "2",
  aliases: ["champion"],
  metrics: {
    accuracy: 0.9221,
    macro_f1: 0.9198,
    ece: 0.031,
    latency_p95_ms: 12.5,
    gate_accuracy: 0.915,
    dataset: "banking77",
    trainer: "embedding-logreg",
    snapshot_id: "5f1d2c3b4a5968778899",
    reported_on: "test",
  },
  mlflow_run_id: "run-2",
  artifact_uri: "models:/sb-org-intent/2",
  created_at: "2026-11-25T10:00:00Z",
};

export const V3: S["ModelVersionRead"] = {
  version: "3",
  aliases: ["challenger"],
  metrics: {
    accuracy: 0.9344,
    macro_f1: 0.9343,
    ece: 0.017,
    latency_p95_ms: 3.5,
    gate_accuracy: 0.9278,
    dataset: "banking77",
    trainer: "finetune",
    snapshot_id: "5f1d2c3b4a5968778899",
    reported_on: "test",
  },
  mlflow_run_id: "run-3",
  artifact_uri: "models:/sb-org-intent/3",
  created_at: "2026-11-27T10:00:00Z",
};

export const MODELS: S["RegisteredModels"] = {
  items: [
    {
      name: "intent",
      task: "intent",
      registered_name: "sb-org-intent",
      champion: "2",
      challenger: "3",
      versions: [V1, V2, V3],
    },
  ],
};

export const PROMOTED: S["PromotionRead"] = {
  id: "00000000-0000-4000-8000-000000000101",
  model_name: "intent",
  action: "promote",
  outcome: "promoted",
  from_version: "1",
  to_version: "2",
  numbers: {
    dataset: "banking77",
    gate_examples: 1040,
    metric: "accuracy",
    margin: 0.005,
    max_latency_p95_ms: 100,
    challenger: {
      version: "2",
      accuracy: 0.915,
      macro_f1: 0.91,
      ece: 0.03,
      n: 1040,
      latency_p95_ms: 12.5,
    },
    champion: { version: "1", accuracy: 0.6, macro_f1: 0.55, ece: 0.1, n: 1040 },
    passed: true,
  },
  reason: "gate accuracy 0.9150 beats the champion's 0.6000 by +0.3150 (margin 0.005)",
  actor_id: null,
  created_at: "2026-11-25T11:00:00Z",
};

export const REFUSED_NUMBERS = {
  dataset: "banking77",
  gate_examples: 1040,
  metric: "accuracy",
  margin: 0.005,
  max_latency_p95_ms: 100,
  challenger: {
    version: "3",
    accuracy: 0.9172,
    macro_f1: 0.915,
    ece: 0.02,
    n: 1040,
    latency_p50_ms: 2.1,
    latency_p95_ms: 3.5,
  },
  champion: { version: "2", accuracy: 0.915, macro_f1: 0.91, ece: 0.03, n: 1040 },
  gate: { metric: "accuracy", margin: 0.005, max_latency_p95_ms: 100 },
  passed: false,
};

export const REFUSED_REASON =
  "gate accuracy 0.9172 does not beat the champion's 0.9150 by the required margin 0.005";

export function run(overrides: Partial<S["TrainingRunRead"]> = {}): S["TrainingRunRead"] {
  return {
    id: "11111111-2222-4333-8444-555555555555",
    task: "intent",
    dataset: "banking77",
    trainer: "embedding-logreg",
    params: { ngrams: false },
    status: "running",
    progress: 0.42,
    stage: "training",
    metrics: {},
    model_name: null,
    model_version: null,
    mlflow_run_id: null,
    snapshot_id: "5f1d2c3b4a5968778899",
    error: null,
    attempts: 1,
    created_at: "2026-11-27T09:00:00Z",
    started_at: "2026-11-27T09:00:02Z",
    finished_at: null,
    ...overrides,
  };
}

export const ORGANIZATION: S["OrganizationRead"] = {
  id: "00000000-0000-4000-8000-0000000000aa",
  name: "Acme",
  slug: "acme",
  settings: {},
  created_at: "2026-11-01T00:00:00Z",
};

/** A confusion matrix over `n` labels: label i is mistaken for label i+1 `i` times. */
export function confusion(n: number): S["ConfusionMatrix"] {
  const labels = Array.from({ length: n }, (_, i) => `intent_${String(i).padStart(2, "0")}`);
  const matrix = labels.map((_, i) =>
    labels.map((__, j) => (i === j ? 20 : j === (i + 1) % n ? i : 0)),
  );
  return { labels, matrix };
}
