// The "Start training" form: its checks (the API's bounds, api/training/schemas.py) and the
// POST /api/v1/training/runs body it becomes. Every option field is text; empty means "not set".
import * as yup from "yup";
import type { components } from "../../api/schema";

export type TrainingRunCreate = components["schemas"]["TrainingRunCreate"];

export const DATASETS: { value: TrainingRunCreate["dataset"]; label: string }[] = [
  { value: "banking77", label: "Banking77 (77 intents)" },
  { value: "clinc150", label: "CLINC150 (150 intents + out-of-scope)" },
  { value: "bitext", label: "Bitext (27 intents, the shipped taxonomy)" },
  { value: "org", label: "This organization's labelled messages" },
];

export const TRAINERS: { value: TrainingRunCreate["trainer"]; label: string }[] = [
  { value: "embedding-logreg", label: "Embedding + logistic regression (fast)" },
  { value: "finetune", label: "Fine-tune the encoder (slow)" },
];

export const BASES = ["bitext", "banking77", "clinc150", "none"] as const;
export const NGRAMS = ["", "auto", "true", "false"] as const;

interface Bound {
  label: string;
  min: number;
  max: number;
  integer: boolean;
  trainer?: TrainingRunCreate["trainer"];
}

export const NUMERIC_KEYS = [
  "limit",
  "seed",
  "epochs",
  "batch_size",
  "learning_rate",
  "head_learning_rate",
  "max_length",
  "max_steps",
  "label_smoothing",
] as const;

export type NumericKey = (typeof NUMERIC_KEYS)[number];

/** The numeric parameters and their bounds (PARAM_BOUNDS in api/training/schemas.py). */
export const NUMERIC: Record<NumericKey, Bound> = {
  limit: { label: "Examples per split", min: 10, max: 1_000_000, integer: true },
  seed: { label: "Seed", min: 0, max: 2 ** 31 - 1, integer: true },
  epochs: { label: "Epochs", min: 1, max: 50, integer: true, trainer: "finetune" },
  batch_size: {
    label: "Batch size",
    min: 4,
    max: 256,
    integer: true,
    trainer: "finetune",
  },
  learning_rate: {
    label: "Learning rate",
    min: 1e-7,
    max: 1e-2,
    integer: false,
    trainer: "finetune",
  },
  head_learning_rate: {
    label: "Head learning rate",
    min: 1e-6,
    max: 1,
    integer: false,
    trainer: "finetune",
  },
  max_length: {
    label: "Max tokens",
    min: 8,
    max: 512,
    integer: true,
    trainer: "finetune",
  },
  max_steps: {
    label: "Max steps",
    min: 1,
    max: 1_000_000,
    integer: true,
    trainer: "finetune",
  },
  label_smoothing: {
    label: "Label smoothing",
    min: 0,
    max: 0.5,
    integer: false,
    trainer: "finetune",
  },
};

function numberField(bound: Bound) {
  return yup
    .string()
    .trim()
    .default("")
    .test("number", `${bound.label}: enter a number`, (v) => !v || Number.isFinite(Number(v)))
    .test(
      "integer",
      `${bound.label}: enter a whole number`,
      (v) => !v || !bound.integer || Number.isInteger(Number(v)),
    )
    .test(
      "range",
      `${bound.label} must be between ${bound.min} and ${bound.max}`,
      (v) => !v || (Number(v) >= bound.min && Number(v) <= bound.max),
    );
}

function list(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

export const trainingSchema = yup.object({
  dataset: yup
    .string()
    .oneOf(DATASETS.map((d) => d.value))
    .required("Choose a dataset"),
  trainer: yup
    .string()
    .oneOf(TRAINERS.map((t) => t.value))
    .required("Choose a trainer"),
  base: yup
    .string()
    .oneOf(["", ...BASES])
    .default(""),
  ngrams: yup
    .string()
    .oneOf([...NGRAMS])
    .default(""),
  c_grid: yup
    .string()
    .trim()
    .default("")
    .test("c_grid", "1 to 8 positive numbers up to 10000, separated by commas", (v) => {
      if (!v) return true;
      const items = list(v);
      return (
        items.length >= 1 &&
        items.length <= 8 &&
        items.every((c) => Number.isFinite(Number(c)) && Number(c) > 0 && Number(c) <= 1e4)
      );
    }),
  labels: yup
    .string()
    .trim()
    .default("")
    .test(
      "labels",
      "2 to 1000 intent names (each up to 80 characters), separated by commas",
      (v) => {
        if (!v) return true;
        const items = list(v);
        return items.length >= 2 && items.length <= 1000 && items.every((x) => x.length <= 80);
      },
    ),
  ...(Object.fromEntries(NUMERIC_KEYS.map((k) => [k, numberField(NUMERIC[k])])) as Record<
    NumericKey,
    ReturnType<typeof numberField>
  >),
});

export type TrainingValues = yup.InferType<typeof trainingSchema>;

export const TRAINING_DEFAULTS: TrainingValues = {
  dataset: "banking77",
  trainer: "embedding-logreg",
  base: "",
  ngrams: "",
  c_grid: "",
  labels: "",
  ...(Object.fromEntries(NUMERIC_KEYS.map((k) => [k, ""])) as Record<NumericKey, string>),
};

/** The request body: only the options that are set and apply to the trainer and dataset. */
export function trainingBody(values: TrainingValues): TrainingRunCreate {
  const trainer = values.trainer as TrainingRunCreate["trainer"];
  const dataset = values.dataset as TrainingRunCreate["dataset"];
  const params: Record<string, unknown> = {};
  for (const key of NUMERIC_KEYS) {
    const bound = NUMERIC[key];
    const raw = values[key];
    if (!raw || (bound.trainer && bound.trainer !== trainer)) continue;
    params[key] = Number(raw);
  }
  if (values.labels) params.labels = list(values.labels);
  if (trainer === "embedding-logreg") {
    if (values.ngrams === "true") params.ngrams = true;
    else if (values.ngrams === "false") params.ngrams = false;
    else if (values.ngrams === "auto") params.ngrams = "auto";
    if (values.c_grid) params.c_grid = list(values.c_grid).map(Number);
  }
  if (dataset === "org" && values.base) params.base = values.base;
  return { task: "intent", dataset, trainer, params };
}
