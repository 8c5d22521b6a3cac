// The routing policy and spend summary as GET /api/v1/routing/policy and /spend answer them
// (routing/policy.py RoutingPolicy, routing/policies.py view(), api/routing/spend.py). The
// OpenAPI document leaves these untyped, so they are written out here.

export interface ProviderView {
  base_url: string | null;
  /** always null when read: keys are write-only */
  api_key: null;
  api_key_set: boolean;
}

export interface Limits {
  daily_usd: number | null;
  monthly_usd: number | null;
}

export interface TaskView {
  models: string[];
  strategy: "preference" | "cheapest";
  quality: "economy" | "standard" | "premium";
  max_cost_usd: number | null;
  max_output_tokens: number | null;
  timeout_s: number;
  stream: boolean;
  budgets: Limits | null;
}

export interface PolicyView {
  providers: Record<string, ProviderView>;
  tasks: Record<string, TaskView>;
  budgets: Limits & { soft_ratio: number };
  allowed_providers: string[] | null;
  escalation_threshold: number;
  mask_pii: boolean;
  version: number;
}

export interface Spend {
  since: string;
  by_day: Record<string, number>;
  by_provider: Record<string, number>;
  by_model: Record<string, number>;
  by_task: Record<string, number>;
  calls: Record<string, number>;
  total_usd: number;
  budget: {
    daily_usd: number | null;
    monthly_usd: number | null;
    soft_ratio: number;
    today_spent_usd: number;
    today_reserved_usd: number;
    month_spent_usd: number;
    month_reserved_usd: number;
  };
}

/** TaskPolicy.strategy and .quality (Literal types in routing/policy.py). */
export const STRATEGIES = [
  { value: "preference", label: "Preference order (first that works)" },
  { value: "cheapest", label: "Cheapest eligible model" },
] as const;

export const QUALITY_TIERS = [
  { value: "economy", label: "Economy" },
  { value: "standard", label: "Standard (standard or premium models)" },
  { value: "premium", label: "Premium only" },
] as const;

export const LOCAL_MODEL = "local";

export const TASK_LABELS: Record<string, string> = {
  classify_fallback: "Classification fallback",
  draft: "Reply drafts",
  translate: "Translation",
  summarize: "Summaries",
};

export function taskLabel(task: string): string {
  return TASK_LABELS[task] ?? task.replace(/_/g, " ");
}

export function providerOf(model: string): string {
  return model.split(":", 1)[0] ?? model;
}

export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined) return "no limit";
  const digits = value !== 0 && Math.abs(value) < 1 ? 4 : 2;
  return `$${value.toFixed(digits)}`;
}
