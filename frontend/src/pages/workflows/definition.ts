// The workflow definition the engine runs (workflows/schema.py) and what the builder knows of
// it: the catalog of triggers, facts, operators and actions is read from the engine's JSON
// schema (GET /api/v1/workflows/schema), so a new action appears here without a frontend change.

export interface Condition {
  fact: string;
  op: string;
  value: unknown;
}

export interface Action {
  type: string;
  [param: string]: unknown;
}

export interface Definition {
  trigger: string;
  match: string;
  conditions: Condition[];
  actions: Action[];
  stop: boolean;
}

export type ParamKind = "enum" | "user" | "list" | "text" | "number" | "boolean";

export interface ParamSpec {
  name: string;
  label: string;
  kind: ParamKind;
  options: string[];
  required: boolean;
}

export interface ActionSpec {
  type: string;
  label: string;
  description: string;
  params: ParamSpec[];
}

export interface Catalog {
  triggers: string[];
  matches: string[];
  facts: string[];
  ops: string[];
  /** the values a priority takes (the set_priority action's enum) */
  priorities: string[];
  actions: ActionSpec[];
  maxConditions: number;
  maxActions: number;
}

// Facts the engine compares as numbers or booleans (workflows/lint.py NUMERIC_FACTS, engine
// facts_of); the schema types every condition value as "any", so the builder keeps this list.
export const NUMERIC_FACTS = ["priority_score", "intent_confidence"];
export const BOOLEAN_FACTS = ["needs_review"];
export const LIST_OPS = ["in", "not_in"];

const OP_LABELS: Record<string, string> = {
  eq: "equals",
  neq: "does not equal",
  in: "is one of",
  not_in: "is not one of",
  contains: "contains",
  gte: "is at least",
  lte: "is at most",
};

const TRIGGER_LABELS: Record<string, string> = {
  "message.received": "A new message arrives",
};

export function humanize(name: string): string {
  const words = name.replace(/[._]/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const opLabel = (op: string) => OP_LABELS[op] ?? humanize(op);
export const triggerLabel = (trigger: string) => TRIGGER_LABELS[trigger] ?? humanize(trigger);
export const factLabel = (fact: string) => humanize(fact);

type JsonSchema = {
  $ref?: string;
  const?: unknown;
  enum?: unknown[];
  type?: string;
  format?: string;
  title?: string;
  description?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  maxItems?: number;
  $defs?: Record<string, JsonSchema>;
};

function strings(values: unknown[] | undefined): string[] {
  return (values ?? []).filter((v): v is string => typeof v === "string");
}

function choices(schema: JsonSchema | undefined): string[] {
  if (!schema) return [];
  if (schema.const !== undefined) return strings([schema.const]);
  return strings(schema.enum);
}

function paramKind(name: string, schema: JsonSchema): ParamKind {
  if (schema.enum) return "enum";
  if (schema.format === "uuid" && name.endsWith("user_id")) return "user";
  if (schema.type === "array") return "list";
  if (schema.type === "number" || schema.type === "integer") return "number";
  if (schema.type === "boolean") return "boolean";
  return "text";
}

/** What the builder offers, read from the definition's JSON schema. */
export function catalogFromSchema(raw: unknown): Catalog {
  const root = (raw ?? {}) as JsonSchema;
  const defs = root.$defs ?? {};
  const resolve = (s: JsonSchema | undefined): JsonSchema | undefined =>
    s?.$ref ? defs[s.$ref.split("/").pop() ?? ""] : s;
  const props = root.properties ?? {};
  const condition = resolve(props.conditions?.items);
  const actionItems = props.actions?.items;
  const variants = actionItems?.oneOf ?? actionItems?.anyOf ?? (actionItems ? [actionItems] : []);
  const actions: ActionSpec[] = [];
  for (const variant of variants) {
    const spec = resolve(variant);
    const type = choices(spec?.properties?.type)[0];
    if (!spec || !type) continue;
    const required = new Set(spec.required ?? []);
    actions.push({
      type,
      label: humanize(type),
      description: spec.description ?? "",
      params: Object.entries(spec.properties ?? {})
        .filter(([name]) => name !== "type")
        .map(([name, schema]) => ({
          name,
          label: schema.title ?? humanize(name),
          kind: paramKind(name, schema),
          options: choices(schema),
          required: required.has(name),
        })),
    });
  }
  const priorities =
    actions.flatMap((a) => a.params).find((p) => p.name === "priority" && p.kind === "enum")
      ?.options ?? [];
  return {
    triggers: choices(props.trigger),
    matches: choices(props.match),
    facts: choices(condition?.properties?.fact),
    ops: choices(condition?.properties?.op),
    priorities,
    actions,
    maxConditions: props.conditions?.maxItems ?? 50,
    maxActions: props.actions?.maxItems ?? 20,
  };
}

/** A definition in the shape the builder edits, whatever the stored JSON left out. */
export function normalizeDefinition(raw: unknown): Definition {
  const d = (raw && typeof raw === "object" ? raw : {}) as Partial<Definition>;
  return {
    ...(d as object),
    trigger: typeof d.trigger === "string" ? d.trigger : "message.received",
    match: typeof d.match === "string" ? d.match : "all",
    conditions: Array.isArray(d.conditions) ? d.conditions : [],
    actions: Array.isArray(d.actions) ? d.actions : [],
    stop: typeof d.stop === "boolean" ? d.stop : false,
  } as Definition;
}

export function newDefinition(catalog: Catalog): Definition {
  const first = catalog.actions[0];
  return {
    trigger: catalog.triggers[0] ?? "message.received",
    match: catalog.matches[0] ?? "all",
    conditions: [],
    actions: first ? [newAction(first)] : [],
    stop: false,
  };
}

export function newAction(spec: ActionSpec): Action {
  const action: Action = { type: spec.type };
  for (const param of spec.params) {
    if (!param.required) continue;
    if (param.kind === "enum") action[param.name] = param.options[0] ?? "";
    else if (param.kind === "list") action[param.name] = [];
    else if (param.kind === "boolean") action[param.name] = false;
    else action[param.name] = "";
  }
  return action;
}

export function newCondition(catalog: Catalog): Condition {
  return { fact: catalog.facts[0] ?? "channel", op: catalog.ops[0] ?? "eq", value: "" };
}

/** A value that suits the fact and operator, keeping what it can of the previous one. */
export function coerceValue(
  fact: string,
  op: string,
  previous: unknown,
  catalog: Catalog,
): unknown {
  const list = Array.isArray(previous)
    ? previous
    : previous === "" || previous == null
      ? []
      : [previous];
  if (LIST_OPS.includes(op)) return list;
  const scalar = Array.isArray(previous) ? (previous[0] ?? "") : (previous ?? "");
  if (BOOLEAN_FACTS.includes(fact) && (op === "eq" || op === "neq"))
    return typeof scalar === "boolean" ? scalar : true;
  if (fact === "priority" && op !== "contains" && catalog.priorities.length)
    return catalog.priorities.includes(String(scalar)) ? scalar : catalog.priorities[0];
  if (NUMERIC_FACTS.includes(fact) && typeof scalar !== "number") {
    const n = Number(scalar);
    return scalar !== "" && Number.isFinite(n) ? n : "";
  }
  if (typeof scalar === "boolean") return "";
  return scalar;
}

/** Text typed for a list ("billing, refund") as the values the engine compares. */
export function parseList(text: string, numeric: boolean): unknown[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => (numeric && Number.isFinite(Number(part)) ? Number(part) : part));
}

export function formatList(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join(", ") : value == null ? "" : String(value);
}

export function formatValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => JSON.stringify(v)).join(", ")}]`;
  return JSON.stringify(value ?? "");
}
