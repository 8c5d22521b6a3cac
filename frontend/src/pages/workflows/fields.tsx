// The inputs of the side panel: a condition's value and an action's parameters, each shaped
// by what the engine expects there.
import { FormControlLabel, MenuItem, Switch, TextField } from "@mui/material";
import { useState } from "react";
import {
  BOOLEAN_FACTS,
  formatList,
  LIST_OPS,
  NUMERIC_FACTS,
  parseList,
  type Action,
  type Catalog,
  type Condition,
  type ParamSpec,
} from "./definition";
import type { UserRead } from "./queries";

/** Comma-separated values, kept as typed while focused (so "a, " does not lose its comma). */
function ListField({
  label,
  value,
  numeric,
  disabled,
  helperText,
  onChange,
}: {
  label: string;
  value: unknown;
  numeric: boolean;
  disabled: boolean;
  helperText: string;
  onChange: (values: unknown[]) => void;
}) {
  const [text, setText] = useState(() => formatList(value));
  return (
    <TextField
      label={label}
      value={text}
      disabled={disabled}
      helperText={helperText}
      onChange={(e) => {
        setText(e.target.value);
        onChange(parseList(e.target.value, numeric));
      }}
    />
  );
}

export function Select({
  label,
  value,
  options,
  disabled,
  onChange,
  render = (o) => o,
}: {
  label: string;
  value: string;
  options: string[];
  disabled: boolean;
  onChange: (value: string) => void;
  render?: (option: string) => string;
}) {
  const all = options.includes(value) || value === "" ? options : [value, ...options];
  return (
    <TextField
      select
      label={label}
      value={value}
      disabled={disabled}
      onChange={(e) => onChange(e.target.value)}
    >
      {all.map((o) => (
        <MenuItem key={o} value={o}>
          {render(o)}
        </MenuItem>
      ))}
    </TextField>
  );
}

export function ValueField({
  condition,
  catalog,
  disabled,
  onChange,
}: {
  condition: Condition;
  catalog: Catalog;
  disabled: boolean;
  onChange: (value: unknown) => void;
}) {
  const { fact, op, value } = condition;
  const numeric = NUMERIC_FACTS.includes(fact);
  if (LIST_OPS.includes(op)) {
    return (
      <ListField
        key={`${fact}-${op}`}
        label="Values"
        value={value}
        numeric={numeric}
        disabled={disabled}
        helperText="Separate values with commas"
        onChange={onChange}
      />
    );
  }
  if (BOOLEAN_FACTS.includes(fact) && (op === "eq" || op === "neq")) {
    return (
      <Select
        label="Value"
        value={String(value)}
        options={["true", "false"]}
        disabled={disabled}
        render={(o) => (o === "true" ? "Yes" : "No")}
        onChange={(v) => onChange(v === "true")}
      />
    );
  }
  if (fact === "priority" && op !== "contains" && catalog.priorities.length) {
    return (
      <Select
        label="Value"
        value={String(value ?? "")}
        options={catalog.priorities}
        disabled={disabled}
        onChange={onChange}
      />
    );
  }
  return (
    <TextField
      label="Value"
      type={numeric ? "number" : "text"}
      value={value == null ? "" : String(value)}
      disabled={disabled}
      slotProps={numeric ? { htmlInput: { step: "any" } } : undefined}
      helperText={numeric ? "A number (confidence and scores run from 0 to 1)" : undefined}
      onChange={(e) => {
        const text = e.target.value;
        onChange(numeric && text !== "" && Number.isFinite(Number(text)) ? Number(text) : text);
      }}
    />
  );
}

export function ParamField({
  param,
  action,
  assignees,
  disabled,
  onChange,
}: {
  param: ParamSpec;
  action: Action;
  assignees: UserRead[];
  disabled: boolean;
  onChange: (value: unknown) => void;
}) {
  const value = action[param.name];
  if (param.kind === "enum") {
    return (
      <Select
        label={param.label}
        value={String(value ?? "")}
        options={param.options}
        disabled={disabled}
        onChange={onChange}
      />
    );
  }
  if (param.kind === "user") {
    const current = String(value ?? "");
    const known = assignees.some((u) => u.id === current);
    return (
      <TextField
        select
        label={param.label === "User Id" ? "Assignee" : param.label}
        value={current}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value)}
      >
        {current && !known ? <MenuItem value={current}>Unknown user ({current})</MenuItem> : null}
        {assignees.map((u) => (
          <MenuItem key={u.id} value={u.id}>
            {u.name} ({u.email})
          </MenuItem>
        ))}
      </TextField>
    );
  }
  if (param.kind === "list") {
    return (
      <ListField
        label={param.label}
        value={value}
        numeric={false}
        disabled={disabled}
        helperText="Separate values with commas"
        onChange={onChange}
      />
    );
  }
  if (param.kind === "boolean") {
    return (
      <FormControlLabel
        control={
          <Switch
            checked={!!value}
            disabled={disabled}
            onChange={(e) => onChange(e.target.checked)}
          />
        }
        label={param.label}
      />
    );
  }
  return (
    <TextField
      label={param.label}
      type={param.kind === "number" ? "number" : "text"}
      value={value == null ? "" : String(value)}
      disabled={disabled}
      onChange={(e) =>
        onChange(
          param.kind === "number" && e.target.value !== ""
            ? Number(e.target.value)
            : e.target.value,
        )
      }
    />
  );
}
