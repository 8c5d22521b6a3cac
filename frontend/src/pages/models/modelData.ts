// Pure helpers of the Models page: reading a version's metrics, comparing versions, picking the
// most confused labels, the version a rollback goes back to, and a gate refusal's numbers.
import { ApiError } from "../../api/client";
import type { components } from "../../api/schema";

export type RegisteredModel = components["schemas"]["RegisteredModelRead"];
export type ModelVersion = components["schemas"]["ModelVersionRead"];
export type Promotion = components["schemas"]["PromotionRead"];
export type Confusion = components["schemas"]["ConfusionMatrix"];
export type Metrics = Record<string, unknown>;

export interface MetricSpec {
  key: string;
  label: string;
  better: "higher" | "lower";
  format: (value: number) => string;
}

export const percent = (value: number) => `${(value * 100).toFixed(2)}%`;
export const decimal = (value: number) => value.toFixed(3);
export const millis = (value: number) => `${value.toFixed(1)} ms`;

/** The headline figures (docs/training.md): the final split's, without prefix. */
export const METRICS: MetricSpec[] = [
  { key: "accuracy", label: "Accuracy", better: "higher", format: percent },
  { key: "macro_f1", label: "Macro-F1", better: "higher", format: percent },
  { key: "ece", label: "ECE", better: "lower", format: decimal },
  { key: "latency_p95_ms", label: "Latency p95", better: "lower", format: millis },
];

export function metricNumber(metrics: Metrics | undefined, key: string): number | null {
  const value = metrics?.[key];
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

export function metricText(metrics: Metrics | undefined, key: string): string | null {
  const value = metrics?.[key];
  if (typeof value === "string" && value) return value;
  if (typeof value === "number") return String(value);
  return null;
}

export function formatMetric(metrics: Metrics | undefined, spec: MetricSpec): string {
  const value = metricNumber(metrics, spec.key);
  return value === null ? "—" : spec.format(value);
}

/** Newest version first (versions are whole numbers as text). */
export function sortVersions(versions: ModelVersion[]): ModelVersion[] {
  return [...versions].sort((a, b) => Number(b.version) - Number(a.version));
}

/** For each metric, the versions holding its best value (ties all win; none when no value). */
export function bestVersions(versions: ModelVersion[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const spec of METRICS) {
    const scored = versions
      .map((v) => ({ version: v.version, value: metricNumber(v.metrics, spec.key) }))
      .filter((s): s is { version: string; value: number } => s.value !== null);
    if (scored.length < 2) {
      out[spec.key] = [];
      continue;
    }
    const values = scored.map((s) => s.value);
    const best = spec.better === "higher" ? Math.max(...values) : Math.min(...values);
    out[spec.key] = scored.filter((s) => s.value === best).map((s) => s.version);
  }
  return out;
}

/** How often a label is involved in a mistake: its row's and its column's off-diagonal counts. */
export function confusionScores(confusion: Confusion): number[] {
  const { labels, matrix } = confusion;
  return labels.map((_, i) => {
    let errors = 0;
    for (let j = 0; j < labels.length; j += 1) {
      if (i === j) continue;
      errors += (matrix[i]?.[j] ?? 0) + (matrix[j]?.[i] ?? 0);
    }
    return errors;
  });
}

/** The sub-matrix of the `n` labels most involved in mistakes (all of them when n ≥ labels),
 *  in their original order. */
export function topConfused(confusion: Confusion, n: number): Confusion {
  const { labels, matrix } = confusion;
  if (n >= labels.length) return confusion;
  const scores = confusionScores(confusion);
  const keep = labels
    .map((_, i) => i)
    .sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0) || a - b)
    .slice(0, Math.max(0, n))
    .sort((a, b) => a - b);
  return {
    labels: keep.map((i) => labels[i] ?? ""),
    matrix: keep.map((i) => keep.map((j) => matrix[i]?.[j] ?? 0)),
  };
}

/** The version `POST /rollback {}` goes back to, as the API decides it (training/lifecycle.py):
 *  the champion before the current one, else the newest earlier version. `promotions` newest
 *  first. Null when there is none (or no champion). */
export function rollbackTarget(
  champion: string | null,
  promotions: Promotion[],
  versions: ModelVersion[],
): string | null {
  if (champion === null) return null;
  const last = promotions.find(
    (p) => p.to_version === champion && ["promoted", "forced", "rolled_back"].includes(p.outcome),
  );
  if (last?.from_version && last.from_version !== champion) return last.from_version;
  const earlier = versions
    .map((v) => v.version)
    .filter((v) => Number(v) < Number(champion))
    .sort((a, b) => Number(b) - Number(a));
  return earlier[0] ?? null;
}

export interface GateSide {
  version: string;
  accuracy?: number;
  macro_f1?: number;
  ece?: number;
  n?: number;
  latency_p50_ms?: number;
  latency_p95_ms?: number;
}

export interface GateNumbers {
  dataset?: string;
  gate_examples?: number;
  metric?: string;
  margin?: number;
  max_latency_p95_ms?: number;
  challenger?: GateSide;
  champion?: GateSide;
  passed?: boolean;
}

function side(value: unknown): GateSide | undefined {
  if (!value || typeof value !== "object") return undefined;
  const raw = value as Record<string, unknown>;
  const out: GateSide = { version: String(raw.version ?? "?") };
  for (const key of [
    "accuracy",
    "macro_f1",
    "ece",
    "n",
    "latency_p50_ms",
    "latency_p95_ms",
  ] as const) {
    if (typeof raw[key] === "number") out[key] = raw[key] as number;
  }
  return out;
}

/** The gate's numbers as recorded on a promotion (or a refusal's error details). */
export function gateNumbers(raw: unknown): GateNumbers | null {
  if (!raw || typeof raw !== "object") return null;
  const n = raw as Record<string, unknown>;
  const gate = (n.gate && typeof n.gate === "object" ? n.gate : {}) as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === "number" ? v : undefined);
  const out: GateNumbers = {
    dataset: typeof n.dataset === "string" ? n.dataset : undefined,
    gate_examples: num(n.gate_examples),
    metric: typeof n.metric === "string" ? n.metric : (gate.metric as string | undefined),
    margin: num(n.margin) ?? num(gate.margin),
    max_latency_p95_ms: num(n.max_latency_p95_ms) ?? num(gate.max_latency_p95_ms),
    challenger: side(n.challenger),
    champion: side(n.champion),
    passed: typeof n.passed === "boolean" ? n.passed : undefined,
  };
  return out.challenger || out.champion ? out : null;
}

export interface GateRefusal {
  reason: string;
  numbers: GateNumbers | null;
}

/** A 409 from promote: the gate's reason and numbers (numbers null for other conflicts, such
 *  as "already the champion"). */
export function gateRefusal(error: unknown): GateRefusal | null {
  if (!(error instanceof ApiError) || error.status !== 409) return null;
  const details = error.details as { numbers?: unknown } | null;
  const reason = error.message.replace(/^promotion refused:\s*/, "");
  return { reason, numbers: gateNumbers(details?.numbers) };
}

export interface GateSettings {
  metric: string;
  margin: number;
  max_latency_p95_ms: number;
  configured: boolean;
}

/** The organization's promotion gate (settings.promotion_gate), with the API's defaults
 *  (training/gate.py GateConfig) where a value is not set. */
export function gateSettings(settings: Record<string, unknown> | undefined): GateSettings {
  const raw = (settings?.promotion_gate ?? null) as Record<string, unknown> | null;
  return {
    metric: typeof raw?.metric === "string" ? raw.metric : "accuracy",
    margin: typeof raw?.margin === "number" ? raw.margin : 0.005,
    max_latency_p95_ms: typeof raw?.max_latency_p95_ms === "number" ? raw.max_latency_p95_ms : 100,
    configured: raw !== null,
  };
}

export function metricLabel(key: string): string {
  return METRICS.find((m) => m.key === key)?.label ?? key;
}
