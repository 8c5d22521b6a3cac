// Renders the fields parsed from a connector's config schema with React Hook Form controllers.
import {
  Autocomplete,
  Chip,
  FormControlLabel,
  FormHelperText,
  MenuItem,
  Stack,
  Switch,
  TextField,
  Typography,
} from "@mui/material";
import { Controller, type Control, type FieldErrors } from "react-hook-form";
import type { ConfigField, FormValues } from "./jsonSchema";

interface Props {
  fields: ConfigField[];
  control: Control<FormValues>;
  errors: FieldErrors<FormValues>;
  /** secrets the integration already holds (editing) */
  secretsSet: string[];
  disabled?: boolean;
}

function message(errors: FieldErrors<FormValues>, name: string): string | undefined {
  const text = errors[name]?.message;
  return typeof text === "string" && text ? text : undefined;
}

function Field({
  field,
  control,
  error,
  secretSet,
  disabled,
}: {
  field: ConfigField;
  control: Control<FormValues>;
  error: string | undefined;
  secretSet: boolean;
  disabled: boolean;
}) {
  const id = `config-${field.name}`;
  const help = error ?? field.description;
  const required = field.required && !(field.writeOnly && secretSet);

  if (field.kind === "boolean") {
    return (
      <Controller
        name={field.name}
        control={control}
        render={({ field: f }) => (
          <div>
            <FormControlLabel
              control={
                <Switch
                  checked={f.value === true}
                  onChange={(e) => f.onChange(e.target.checked)}
                  onBlur={f.onBlur}
                  disabled={disabled}
                  inputProps={{
                    role: "switch",
                    "aria-describedby": help ? `${id}-help` : undefined,
                  }}
                />
              }
              label={field.label}
            />
            {help ? (
              <FormHelperText id={`${id}-help`} error={Boolean(error)} sx={{ mt: -0.5 }}>
                {help}
              </FormHelperText>
            ) : null}
          </div>
        )}
      />
    );
  }

  if (field.kind === "array") {
    return (
      <Controller
        name={field.name}
        control={control}
        render={({ field: f }) => (
          <Autocomplete
            multiple
            freeSolo
            options={field.options ?? []}
            value={Array.isArray(f.value) ? f.value : []}
            onChange={(_, value) => f.onChange(value.map(String))}
            onBlur={f.onBlur}
            disabled={disabled}
            renderTags={(value, getTagProps) =>
              value.map((option, index) => {
                const { key, ...props } = getTagProps({ index });
                return <Chip key={key} label={option} size="small" {...props} />;
              })
            }
            renderInput={(params) => (
              <TextField
                {...params}
                id={id}
                label={field.label}
                required={required}
                error={Boolean(error)}
                helperText={
                  help ? `${help} — press Enter after each value` : "Press Enter after each value"
                }
              />
            )}
          />
        )}
      />
    );
  }

  return (
    <Controller
      name={field.name}
      control={control}
      render={({ field: f }) => (
        <TextField
          id={id}
          name={f.name}
          inputRef={f.ref}
          value={typeof f.value === "string" ? f.value : ""}
          onChange={(e) => f.onChange(e.target.value)}
          onBlur={f.onBlur}
          label={field.label}
          required={required}
          disabled={disabled}
          select={field.kind === "enum"}
          multiline={field.kind === "json"}
          minRows={field.kind === "json" ? 3 : undefined}
          type={
            field.writeOnly
              ? "password"
              : field.kind === "number" || field.kind === "integer"
                ? "number"
                : "text"
          }
          autoComplete={field.writeOnly ? "new-password" : "off"}
          placeholder={
            field.writeOnly && secretSet ? "•••••• set — leave blank to keep" : undefined
          }
          error={Boolean(error)}
          helperText={
            help ??
            (field.writeOnly
              ? "Write-only: it is stored encrypted and never shown again"
              : undefined)
          }
          slotProps={{
            htmlInput: {
              "data-secret": field.writeOnly ? "true" : undefined,
              ...(field.kind === "number" || field.kind === "integer"
                ? {
                    min: field.minimum,
                    max: field.maximum,
                    step: field.kind === "integer" ? 1 : "any",
                  }
                : {}),
            },
            inputLabel: field.writeOnly && secretSet ? { shrink: true } : undefined,
          }}
          fullWidth
        >
          {field.kind === "enum"
            ? [
                ...(field.required
                  ? []
                  : [
                      <MenuItem key="" value="">
                        (not set)
                      </MenuItem>,
                    ]),
                ...(field.options ?? []).map((o) => (
                  <MenuItem key={o} value={o}>
                    {o}
                  </MenuItem>
                )),
              ]
            : null}
        </TextField>
      )}
    />
  );
}

export function ConfigFields({ fields, control, errors, secretsSet, disabled }: Props) {
  const required = fields.filter((f) => f.required);
  const optional = fields.filter((f) => !f.required);
  const render = (list: ConfigField[]) =>
    list.map((field) => (
      <Field
        key={field.name}
        field={field}
        control={control}
        error={message(errors, field.name)}
        secretSet={secretsSet.includes(field.name)}
        disabled={Boolean(disabled)}
      />
    ));
  return (
    <Stack spacing={2}>
      {render(required)}
      {optional.length > 0 ? (
        <>
          <Typography variant="subtitle2" component="h3" color="text.secondary">
            {required.length > 0 ? "Optional settings" : "Settings (all optional)"}
          </Typography>
          {render(optional)}
        </>
      ) : null}
    </Stack>
  );
}
