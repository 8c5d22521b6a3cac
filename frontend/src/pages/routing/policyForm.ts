// The policy editor's form values, their validation, the PUT document, and the server's
// validation errors mapped back onto form fields.
import * as yup from "yup";
import { ApiError } from "../../api/client";
import { LOCAL_MODEL, providerOf, type PolicyView, type TaskView } from "./types";

export interface ProviderForm {
  name: string;
  base_url: string;
  api_key_set: boolean;
  /** typed in to replace the stored key; blank keeps it */
  new_key: string;
  /** remove the stored key (sends api_key: null) */
  clear_key: boolean;
}

export interface TaskForm {
  name: string;
  models: string[];
  strategy: TaskView["strategy"];
  quality: TaskView["quality"];
  max_cost_usd: string;
  max_output_tokens: string;
  timeout_s: string;
  stream: boolean;
  daily_usd: string;
  monthly_usd: string;
}

export interface PolicyForm {
  budgets: { daily_usd: string; monthly_usd: string; soft_percent: string };
  escalation_threshold: string;
  mask_pii: boolean;
  restrict_providers: boolean;
  allowed_providers: string[];
  providers: ProviderForm[];
  tasks: TaskForm[];
}

const text = (value: number | null | undefined) =>
  value === null || value === undefined ? "" : String(value);
const num = (value: string) => (value.trim() === "" ? null : Number(value));

/** Every provider the policy mentions: configured, allowed, or named by a task's models. */
export function providerNames(policy: PolicyView): string[] {
  const names = new Set(Object.keys(policy.providers));
  for (const task of Object.values(policy.tasks))
    for (const model of task.models) if (model !== LOCAL_MODEL) names.add(providerOf(model));
  for (const name of policy.allowed_providers ?? []) if (name !== LOCAL_MODEL) names.add(name);
  return [...names].sort();
}

export function toForm(policy: PolicyView): PolicyForm {
  return {
    budgets: {
      daily_usd: text(policy.budgets.daily_usd),
      monthly_usd: text(policy.budgets.monthly_usd),
      soft_percent: String(Math.round(policy.budgets.soft_ratio * 1000) / 10),
    },
    escalation_threshold: String(policy.escalation_threshold),
    mask_pii: policy.mask_pii,
    restrict_providers: policy.allowed_providers !== null,
    allowed_providers: policy.allowed_providers ?? [...providerNames(policy), LOCAL_MODEL],
    providers: providerNames(policy).map((name) => ({
      name,
      base_url: policy.providers[name]?.base_url ?? "",
      api_key_set: policy.providers[name]?.api_key_set ?? false,
      new_key: "",
      clear_key: false,
    })),
    tasks: Object.entries(policy.tasks).map(([name, task]) => ({
      name,
      models: [...task.models],
      strategy: task.strategy,
      quality: task.quality,
      max_cost_usd: text(task.max_cost_usd),
      max_output_tokens: text(task.max_output_tokens),
      timeout_s: text(task.timeout_s),
      stream: task.stream,
      daily_usd: text(task.budgets?.daily_usd),
      monthly_usd: text(task.budgets?.monthly_usd),
    })),
  };
}

/** The document to PUT: the whole policy; keys only when typed in (or null to clear). */
export function toDocument(form: PolicyForm, original: PolicyView): Record<string, unknown> {
  const providers: Record<string, Record<string, unknown>> = {};
  for (const p of form.providers) {
    const entry: Record<string, unknown> = {};
    if (p.base_url.trim()) entry.base_url = p.base_url.trim();
    if (p.new_key.trim()) entry.api_key = p.new_key.trim();
    else if (p.clear_key) entry.api_key = null;
    if (Object.keys(entry).length > 0 || p.name in original.providers) providers[p.name] = entry;
  }
  const tasks: Record<string, Record<string, unknown>> = {};
  for (const t of form.tasks) {
    const daily = num(t.daily_usd);
    const monthly = num(t.monthly_usd);
    tasks[t.name] = {
      models: t.models,
      strategy: t.strategy,
      quality: t.quality,
      max_cost_usd: num(t.max_cost_usd),
      max_output_tokens: num(t.max_output_tokens),
      timeout_s: num(t.timeout_s) ?? 30,
      stream: t.stream,
      budgets:
        daily === null && monthly === null ? null : { daily_usd: daily, monthly_usd: monthly },
    };
  }
  return {
    providers,
    tasks,
    budgets: {
      daily_usd: num(form.budgets.daily_usd),
      monthly_usd: num(form.budgets.monthly_usd),
      soft_ratio: Number(form.budgets.soft_percent) / 100,
    },
    allowed_providers: form.restrict_providers ? form.allowed_providers : null,
    escalation_threshold: Number(form.escalation_threshold),
    mask_pii: form.mask_pii,
  };
}

function amount(
  label: string,
  { min = 0, exclusive = false, max }: { min?: number; exclusive?: boolean; max?: number } = {},
) {
  return yup
    .string()
    .default("")
    .test("number", `${label} must be a number`, (v) => !v || !Number.isNaN(Number(v)))
    .test(
      "min",
      exclusive ? `${label} must be more than ${min}` : `${label} cannot be below ${min}`,
      (v) => !v || (exclusive ? Number(v) > min : Number(v) >= min),
    )
    .test(
      "max",
      `${label} must be at most ${max}`,
      (v) => !v || max === undefined || Number(v) <= max,
    );
}

export const policySchema: yup.ObjectSchema<PolicyForm> = yup.object({
  budgets: yup.object({
    daily_usd: amount("Daily budget"),
    monthly_usd: amount("Monthly budget"),
    soft_percent: amount("Soft alert threshold", { min: 0, exclusive: true, max: 100 }).required(
      "Set the soft alert threshold",
    ),
  }),
  escalation_threshold: amount("Escalation threshold", { max: 1 }).required(
    "Set the escalation threshold",
  ),
  mask_pii: yup.boolean().required(),
  restrict_providers: yup.boolean().required(),
  allowed_providers: yup
    .array(yup.string().required())
    .required()
    .when("restrict_providers", {
      is: true,
      then: (s) => s.min(1, "Allow at least one provider"),
    }),
  providers: yup
    .array(
      yup.object({
        name: yup.string().required(),
        base_url: yup
          .string()
          .default("")
          .max(500, "At most 500 characters")
          .test("url", "Must start with http:// or https://", (v) => !v || /^https?:\/\//.test(v)),
        api_key_set: yup.boolean().required(),
        new_key: yup.string().default("").max(500, "At most 500 characters"),
        clear_key: yup.boolean().required(),
      }),
    )
    .required(),
  tasks: yup
    .array(
      yup.object({
        name: yup.string().required(),
        models: yup
          .array(yup.string().required())
          .required()
          .min(1, "Add at least one model")
          .test("unique", "A model is listed twice", (v) => !v || new Set(v).size === v.length),
        strategy: yup.mixed<TaskView["strategy"]>().oneOf(["preference", "cheapest"]).required(),
        quality: yup
          .mixed<TaskView["quality"]>()
          .oneOf(["economy", "standard", "premium"])
          .required(),
        max_cost_usd: amount("Cost limit", { exclusive: true }),
        max_output_tokens: amount("Output tokens", { min: 1, max: 200_000 }).test(
          "integer",
          "Output tokens must be a whole number",
          (v) => !v || Number.isInteger(Number(v)),
        ),
        timeout_s: amount("Timeout", { exclusive: true, max: 600 }),
        stream: yup.boolean().required(),
        daily_usd: amount("Task daily budget"),
        monthly_usd: amount("Task monthly budget"),
      }),
    )
    .required(),
});

const FIELD_ALIASES: Record<string, string> = { soft_ratio: "soft_percent", api_key: "new_key" };

/**
 * The server's reasons for refusing a policy, as {form path: message}, plus the ones no field
 * shows. Pydantic errors carry `loc` ("tasks.draft.max_cost_usd"); the semantic checks carry
 * {task, model, message}.
 */
export function policyErrors(
  error: ApiError,
  form: PolicyForm,
): { fields: Record<string, string>; other: string[] } {
  const fields: Record<string, string> = {};
  const other: string[] = [];
  const details = Array.isArray(error.details) ? error.details : [];
  const taskIndex = (name: unknown) => form.tasks.findIndex((t) => t.name === name);
  const providerIndex = (name: unknown) => form.providers.findIndex((p) => p.name === name);
  for (const raw of details as Record<string, unknown>[]) {
    const message = String(raw.message ?? raw.msg ?? "invalid");
    const loc = Array.isArray(raw.loc)
      ? raw.loc.filter((p) => p !== "body").map(String)
      : String(raw.loc ?? "")
          .split(".")
          .filter(Boolean);
    let path: string | null = null;
    if (raw.task !== undefined && taskIndex(raw.task) >= 0) {
      path = `tasks.${taskIndex(raw.task)}.models`;
    } else if (loc[0] === "budgets" && loc[1]) {
      path = `budgets.${FIELD_ALIASES[loc[1]] ?? loc[1]}`;
    } else if (loc[0] === "escalation_threshold" || loc[0] === "allowed_providers") {
      path = loc[0];
    } else if (loc[0] === "providers" && providerIndex(loc[1]) >= 0 && loc[2]) {
      path = `providers.${providerIndex(loc[1])}.${FIELD_ALIASES[loc[2]] ?? loc[2]}`;
    } else if (loc[0] === "tasks" && taskIndex(loc[1]) >= 0 && loc[2]) {
      const field = loc[2] === "budgets" ? loc[3] : loc[2];
      if (field) path = `tasks.${taskIndex(loc[1])}.${field}`;
    }
    if (path) fields[path] = fields[path] ? `${fields[path]}; ${message}` : message;
    else other.push(loc.length ? `${loc.join(".")}: ${message}` : message);
  }
  return { fields, other };
}
