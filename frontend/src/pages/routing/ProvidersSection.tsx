// LLM providers: base URL, a write-only API key (never shown; only whether one is stored), and
// the data-residency allow list.
import KeyIcon from "@mui/icons-material/Key";
import KeyOffIcon from "@mui/icons-material/KeyOff";
import {
  Box,
  Checkbox,
  Chip,
  FormControlLabel,
  FormGroup,
  FormHelperText,
  FormLabel,
  Paper,
  Stack,
  TextField,
  Typography,
} from "@mui/material";
import { Controller, useWatch, type Control } from "react-hook-form";
import { SwitchField } from "./fields";
import type { PolicyForm } from "./policyForm";
import { LOCAL_MODEL } from "./types";

export function ProvidersSection({
  control,
  disabled,
}: {
  control: Control<PolicyForm>;
  disabled: boolean;
}) {
  const providers = useWatch({ control, name: "providers" });
  const restricted = useWatch({ control, name: "restrict_providers" });
  const choices = [...providers.map((p) => p.name), LOCAL_MODEL];

  return (
    <Paper variant="outlined" component="section" aria-labelledby="providers-heading" sx={{ p: 2 }}>
      <Typography variant="h3" id="providers-heading" gutterBottom>
        Providers
      </Typography>
      <Stack spacing={2}>
        {providers.map((provider, index) => (
          <Box
            key={provider.name}
            component="fieldset"
            sx={{ border: 1, borderColor: "divider", borderRadius: 1, p: 2, m: 0 }}
            data-testid={`provider-${provider.name}`}
          >
            <Box component="legend" sx={{ px: 0.5, fontWeight: 600 }}>
              {provider.name}
            </Box>
            <Stack direction={{ xs: "column", md: "row" }} spacing={2} alignItems="flex-start">
              <Chip
                size="small"
                icon={provider.api_key_set ? <KeyIcon /> : <KeyOffIcon />}
                color={provider.api_key_set ? "success" : "default"}
                label={provider.api_key_set ? "API key set" : "No API key"}
                sx={{ mt: 1 }}
              />
              <Controller
                control={control}
                name={`providers.${index}.base_url`}
                render={({ field, fieldState }) => (
                  <TextField
                    {...field}
                    label={`${provider.name} base URL`}
                    placeholder="the provider's default"
                    disabled={disabled}
                    error={Boolean(fieldState.error)}
                    helperText={
                      fieldState.error?.message ?? "Optional: a proxy or regional endpoint"
                    }
                    size="small"
                    fullWidth
                  />
                )}
              />
              {disabled ? null : (
                <Controller
                  control={control}
                  name={`providers.${index}.new_key`}
                  render={({ field, fieldState }) => (
                    <TextField
                      {...field}
                      type="password"
                      autoComplete="new-password"
                      label={`${provider.name} API key`}
                      placeholder={provider.api_key_set ? "•••••• set — leave blank to keep" : ""}
                      error={Boolean(fieldState.error)}
                      helperText={
                        fieldState.error?.message ?? "Write-only: stored encrypted, never shown"
                      }
                      size="small"
                      fullWidth
                      slotProps={{
                        inputLabel: provider.api_key_set ? { shrink: true } : undefined,
                      }}
                    />
                  )}
                />
              )}
            </Stack>
            {provider.api_key_set && !disabled ? (
              <Controller
                control={control}
                name={`providers.${index}.clear_key`}
                render={({ field }) => (
                  <FormControlLabel
                    control={
                      <Checkbox
                        checked={field.value === true}
                        onChange={(e) => field.onChange(e.target.checked)}
                      />
                    }
                    label={`Remove the stored ${provider.name} key when saving`}
                  />
                )}
              />
            ) : null}
          </Box>
        ))}
        <SwitchField
          control={control}
          name="restrict_providers"
          label="Only call the providers allowed below (data residency)"
          help="Off: every provider with a key may be called."
          disabled={disabled}
        />
        {restricted ? (
          <Controller
            control={control}
            name="allowed_providers"
            render={({ field, fieldState }) => (
              <Box component="fieldset" sx={{ border: 0, p: 0, m: 0 }}>
                <FormLabel component="legend">Allowed providers</FormLabel>
                <FormGroup row>
                  {choices.map((name) => (
                    <FormControlLabel
                      key={name}
                      label={name === LOCAL_MODEL ? "local (on our servers)" : name}
                      control={
                        <Checkbox
                          checked={field.value.includes(name)}
                          disabled={disabled}
                          onChange={(e) =>
                            field.onChange(
                              e.target.checked
                                ? [...field.value, name]
                                : field.value.filter((n) => n !== name),
                            )
                          }
                        />
                      }
                    />
                  ))}
                </FormGroup>
                {fieldState.error ? (
                  <FormHelperText error>{fieldState.error.message}</FormHelperText>
                ) : null}
              </Box>
            )}
          />
        ) : null}
      </Stack>
    </Paper>
  );
}
