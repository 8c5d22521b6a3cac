// Small React Hook Form bindings shared by the policy editor's sections.
import {
  FormControlLabel,
  FormHelperText,
  InputAdornment,
  MenuItem,
  Switch,
  TextField,
} from "@mui/material";
import { Controller, type Control, type FieldPath } from "react-hook-form";
import type { PolicyForm } from "./policyForm";

type Path = FieldPath<PolicyForm>;

export function NumberField({
  control,
  name,
  label,
  help,
  disabled,
  unit,
  step = "any",
  placeholder,
}: {
  control: Control<PolicyForm>;
  name: Path;
  label: string;
  help?: string;
  disabled: boolean;
  unit?: "$" | "%" | "s";
  step?: number | "any";
  placeholder?: string;
}) {
  return (
    <Controller
      control={control}
      name={name}
      render={({ field, fieldState }) => (
        <TextField
          label={label}
          type="number"
          name={field.name}
          inputRef={field.ref}
          value={typeof field.value === "string" ? field.value : ""}
          onChange={(e) => field.onChange(e.target.value)}
          onBlur={field.onBlur}
          disabled={disabled}
          placeholder={placeholder}
          error={Boolean(fieldState.error)}
          helperText={fieldState.error?.message ?? help}
          size="small"
          fullWidth
          slotProps={{
            htmlInput: { step, min: 0 },
            input: unit
              ? unit === "$"
                ? { startAdornment: <InputAdornment position="start">$</InputAdornment> }
                : { endAdornment: <InputAdornment position="end">{unit}</InputAdornment> }
              : undefined,
          }}
        />
      )}
    />
  );
}

export function SwitchField({
  control,
  name,
  label,
  help,
  disabled,
}: {
  control: Control<PolicyForm>;
  name: Path;
  label: string;
  help?: string;
  disabled: boolean;
}) {
  const helpId = `${name.replace(/\./g, "-")}-help`;
  return (
    <Controller
      control={control}
      name={name}
      render={({ field }) => (
        <div>
          <FormControlLabel
            control={
              <Switch
                checked={field.value === true}
                onChange={(e) => field.onChange(e.target.checked)}
                onBlur={field.onBlur}
                disabled={disabled}
                inputProps={{ role: "switch", "aria-describedby": help ? helpId : undefined }}
              />
            }
            label={label}
          />
          {help ? (
            <FormHelperText id={helpId} sx={{ mt: -0.5 }}>
              {help}
            </FormHelperText>
          ) : null}
        </div>
      )}
    />
  );
}

export function SelectField({
  control,
  name,
  label,
  options,
  disabled,
}: {
  control: Control<PolicyForm>;
  name: Path;
  label: string;
  options: readonly { value: string; label: string }[];
  disabled: boolean;
}) {
  return (
    <Controller
      control={control}
      name={name}
      render={({ field, fieldState }) => (
        <TextField
          select
          label={label}
          name={field.name}
          inputRef={field.ref}
          value={typeof field.value === "string" ? field.value : ""}
          onChange={(e) => field.onChange(e.target.value)}
          onBlur={field.onBlur}
          disabled={disabled}
          error={Boolean(fieldState.error)}
          helperText={fieldState.error?.message}
          size="small"
          fullWidth
        >
          {options.map((o) => (
            <MenuItem key={o.value} value={o.value}>
              {o.label}
            </MenuItem>
          ))}
        </TextField>
      )}
    />
  );
}
