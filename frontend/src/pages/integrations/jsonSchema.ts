// A connector's config_schema (the JSON schema pydantic writes) turned into form fields, a Yup
// schema that checks what the server will check, and the config object the API takes back.
import * as yup from "yup";

export interface JsonSchema {
  type?: string | string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  title?: string;
  description?: string;
  default?: unknown;
  writeOnly?: boolean;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
}

export type FieldKind = "string" | "number" | "integer" | "boolean" | "enum" | "array" | "json";

export interface ConfigField {
  name: string;
  label: string;
  description?: string;
  kind: FieldKind;
  required: boolean;
  /** a secret: accepted on write, never returned */
  writeOnly: boolean;
  nullable: boolean;
  defaultValue?: unknown;
  options?: string[];
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
}

/** What the form holds: text for strings and numbers, booleans, string lists. */
export type FormValue = string | boolean | string[];
export type FormValues = Record<string, FormValue>;

function resolve(node: JsonSchema, root: JsonSchema): JsonSchema {
  if (!node.$ref) return node;
  const name = node.$ref.replace(/^#\/(\$defs|definitions)\//, "");
  const defs = root.$defs ?? (root as { definitions?: Record<string, JsonSchema> }).definitions;
  const target = defs?.[name];
  if (!target) return node;
  const rest: JsonSchema = { ...node };
  delete rest.$ref;
  return { ...resolve(target, root), ...rest };
}

function isNull(node: JsonSchema): boolean {
  return node.type === "null" || (Array.isArray(node.type) && node.type.every((t) => t === "null"));
}

function kindOf(node: JsonSchema): FieldKind {
  if (node.enum || node.const !== undefined) return "enum";
  const type = Array.isArray(node.type) ? node.type.find((t) => t !== "null") : node.type;
  switch (type) {
    case "string":
    case "number":
    case "integer":
    case "boolean":
      return type;
    case "array":
      return "array";
    default:
      return "json";
  }
}

function humanize(name: string): string {
  const words = name.replace(/_/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The fields of a config schema, in schema order. */
export function parseSchema(schema: JsonSchema): ConfigField[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, raw]) => {
    const outer = resolve(raw, schema);
    const variants = (outer.anyOf ?? outer.oneOf ?? []).map((v) => resolve(v, schema));
    const nonNull = variants.filter((v) => !isNull(v));
    const inner = nonNull[0] ?? outer;
    const node: JsonSchema = { ...inner, ...withoutVariants(outer) };
    const nullable =
      variants.some(isNull) || (Array.isArray(outer.type) && outer.type.includes("null"));
    const kind = kindOf(node);
    const items = node.items ? resolve(node.items, schema) : undefined;
    const options =
      kind === "enum"
        ? (node.enum ?? [node.const]).map(String)
        : items?.enum
          ? items.enum.map(String)
          : undefined;
    const field: ConfigField = {
      name,
      label: node.title ?? humanize(name),
      kind,
      required: required.has(name),
      writeOnly: Boolean(outer.writeOnly ?? inner.writeOnly),
      nullable,
    };
    const optional: Partial<ConfigField> = {
      description: node.description,
      defaultValue: node.default,
      options,
      format: node.format,
      minimum: node.minimum,
      maximum: node.maximum,
      exclusiveMinimum: node.exclusiveMinimum,
      exclusiveMaximum: node.exclusiveMaximum,
      minLength: node.minLength,
      maxLength: node.maxLength,
      pattern: node.pattern,
      minItems: node.minItems,
      maxItems: node.maxItems,
    };
    for (const [key, value] of Object.entries(optional)) {
      if (value !== undefined && value !== null)
        (field as unknown as Record<string, unknown>)[key] = value;
    }
    return field;
  });
}

function withoutVariants(node: JsonSchema): JsonSchema {
  if (!node.anyOf && !node.oneOf) return node;
  const rest: JsonSchema = { ...node };
  delete rest.anyOf;
  delete rest.oneOf;
  delete rest.type;
  return rest;
}

function toFormValue(field: ConfigField, value: unknown): FormValue {
  switch (field.kind) {
    case "boolean":
      return value === true;
    case "array":
      return Array.isArray(value) ? value.map(String) : [];
    case "json":
      return value === undefined || value === null ? "" : JSON.stringify(value, null, 2);
    default:
      return value === undefined || value === null ? "" : String(value);
  }
}

/** Starting values: the saved config when editing (secrets always blank), else the defaults. */
export function initialValues(fields: ConfigField[], config?: Record<string, unknown>): FormValues {
  const out: FormValues = {};
  for (const field of fields) {
    if (field.writeOnly) out[field.name] = "";
    else if (config) out[field.name] = toFormValue(field, config[field.name]);
    else out[field.name] = toFormValue(field, field.defaultValue);
  }
  return out;
}

function numberRule(field: ConfigField) {
  return yup
    .string()
    .default("")
    .test("number", `${field.label} must be a number`, (v) => !v || !Number.isNaN(Number(v)))
    .test(
      "integer",
      `${field.label} must be a whole number`,
      (v) => !v || field.kind !== "integer" || Number.isInteger(Number(v)),
    )
    .test(
      "minimum",
      `${field.label} must be at least ${field.minimum ?? field.exclusiveMinimum}`,
      (v) =>
        !v ||
        ((field.minimum === undefined || Number(v) >= field.minimum) &&
          (field.exclusiveMinimum === undefined || Number(v) > field.exclusiveMinimum)),
    )
    .test(
      "maximum",
      `${field.label} must be at most ${field.maximum ?? field.exclusiveMaximum}`,
      (v) =>
        !v ||
        ((field.maximum === undefined || Number(v) <= field.maximum) &&
          (field.exclusiveMaximum === undefined || Number(v) < field.exclusiveMaximum)),
    );
}

function stringRule(field: ConfigField) {
  let rule = yup.string().default("");
  if (field.minLength !== undefined) {
    const min = field.minLength;
    rule = rule.test(
      "minLength",
      `${field.label} needs at least ${min} characters`,
      (v) => !v || v.length >= min,
    );
  }
  if (field.maxLength !== undefined) {
    rule = rule.max(field.maxLength, `${field.label} is at most ${field.maxLength} characters`);
  }
  if (field.pattern) {
    let pattern: RegExp | null = null;
    try {
      pattern = new RegExp(field.pattern);
    } catch {
      pattern = null; // a pattern JavaScript cannot read is left to the server
    }
    if (pattern) {
      const re = pattern;
      rule = rule.test("pattern", `${field.label} has the wrong format`, (v) => !v || re.test(v));
    }
  }
  if (field.format === "uri") {
    rule = rule.test("uri", `${field.label} must be a URL`, (v) => {
      if (!v) return true;
      try {
        new URL(v);
        return true;
      } catch {
        return false;
      }
    });
  }
  if (field.kind === "json") {
    rule = rule.test("json", `${field.label} must be valid JSON`, (v) => {
      if (!v) return true;
      try {
        JSON.parse(v);
        return true;
      } catch {
        return false;
      }
    });
  }
  return rule;
}

/**
 * The Yup schema of a config form. `secretsSet` names secrets the integration already holds:
 * those may stay blank (blank keeps the stored value).
 */
export function buildValidation(fields: ConfigField[], secretsSet: string[] = []) {
  const shape: Record<string, yup.AnySchema> = {};
  for (const field of fields) {
    const mustFill = field.required && !(field.writeOnly && secretsSet.includes(field.name));
    const needed = `${field.label} is required`;
    if (field.kind === "boolean") {
      shape[field.name] = yup.boolean().default(false);
    } else if (field.kind === "array") {
      let rule = yup.array(yup.string().required()).default([]);
      const min = field.minItems ?? 0;
      if (mustFill)
        rule = rule.min(Math.max(min, 1), min > 1 ? `Add at least ${min} items` : needed);
      else if (min > 0)
        // left empty, the server uses the field's default
        rule = rule.test(
          "minItems",
          `Add at least ${min} item${min === 1 ? "" : "s"}, or none for the default`,
          (v) => !v || v.length === 0 || v.length >= min,
        );
      if (field.maxItems !== undefined)
        rule = rule.max(field.maxItems, `At most ${field.maxItems} items`);
      shape[field.name] = rule;
    } else {
      const rule =
        field.kind === "number" || field.kind === "integer" ? numberRule(field) : stringRule(field);
      shape[field.name] = mustFill ? rule.required(needed) : rule;
    }
  }
  return yup.object(shape);
}

function fromFormValue(field: ConfigField, value: FormValue): unknown {
  if (field.kind === "boolean") return value === true;
  if (field.kind === "array") return Array.isArray(value) ? value : [];
  const text = typeof value === "string" ? value.trim() : "";
  if (text === "") return null;
  if (field.kind === "number" || field.kind === "integer") return Number(text);
  if (field.kind === "json") return JSON.parse(text) as unknown;
  return text;
}

/**
 * The config to send. Creating: every filled field. Editing (PATCH merges): every public field
 * (a cleared optional field becomes null), and only the secrets that were typed in.
 */
export function toConfig(
  fields: ConfigField[],
  values: FormValues,
  mode: "create" | "edit",
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const value = fromFormValue(field, values[field.name] ?? "");
    if (field.writeOnly) {
      if (value !== null) out[field.name] = value;
      continue;
    }
    if (value === null) {
      if (mode === "edit" && field.nullable) out[field.name] = null;
      continue;
    }
    if (field.kind === "array" && (value as unknown[]).length === 0 && !field.required) {
      if (mode === "edit" && field.nullable) out[field.name] = null;
      continue;
    }
    out[field.name] = value;
  }
  return out;
}
