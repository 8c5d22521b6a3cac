// The organization: its name and the settings the API knows (api/organizations/schemas.py):
// the promotion gate, the agents' language and the review threshold.
import { yupResolver } from "@hookform/resolvers/yup";
import { Alert, Box, Button, MenuItem, Paper, Stack, TextField, Typography } from "@mui/material";
import { useState } from "react";
import { Controller, useForm } from "react-hook-form";
import * as yup from "yup";
import { ApiError, errorMessage } from "../../api/client";
import { useAuth, useCan } from "../../auth/store";
import { QueryState } from "../../components/PageState";
import { useOrganization, useUpdateOrganization, type OrganizationRead } from "./queries";
import { useNotice } from "./ui";

// training/gate.py GateConfig: the defaults when the organization has not set its own.
const GATE_DEFAULTS = { metric: "accuracy", margin: 0.005, max_latency_p95_ms: 100 };
const METRICS = [
  { value: "accuracy", label: "Accuracy" },
  { value: "macro_f1", label: "Macro F1" },
];

const optionalNumber = () =>
  yup
    .number()
    .transform((value, original) => (original === "" || original == null ? undefined : value))
    .typeError("Enter a number");

const schema = yup.object({
  name: yup.string().trim().required("Name the organization").max(200),
  agent_language: yup
    .string()
    .trim()
    .required("Enter a language code")
    .matches(/^[a-z]{2,3}(-[A-Za-z]{2,4})?$/, "A language code such as en, de or pt-BR"),
  review_threshold: optionalNumber().min(0, "Between 0 and 1").max(1, "Between 0 and 1"),
  metric: yup.string().oneOf(["accuracy", "macro_f1"]).required(),
  margin: optionalNumber().required("Enter a margin").min(0, "At least 0").max(0.5, "At most 0.5"),
  max_latency_p95_ms: optionalNumber()
    .required("Enter a latency")
    .moreThan(0, "More than 0")
    .max(10000, "At most 10000"),
});
type Values = yup.InferType<typeof schema>;

function valuesOf(org: OrganizationRead): Values {
  const s = org.settings as Record<string, unknown>;
  const gate = { ...GATE_DEFAULTS, ...((s.promotion_gate as object | undefined) ?? {}) };
  const threshold = s.review_threshold;
  return {
    name: org.name,
    agent_language: typeof s.agent_language === "string" ? s.agent_language : "en",
    review_threshold: typeof threshold === "number" ? threshold : undefined,
    metric: gate.metric === "macro_f1" ? "macro_f1" : "accuracy",
    margin: Number(gate.margin),
    max_latency_p95_ms: Number(gate.max_latency_p95_ms),
  };
}

function OrganizationForm({ org }: { org: OrganizationRead }) {
  const canWrite = useCan("write:organization");
  const update = useUpdateOrganization();
  const [failure, setFailure] = useState<string | null>(null);
  const [notice, notify] = useNotice();
  const { register, control, handleSubmit, reset, formState } = useForm({
    resolver: yupResolver(schema),
    defaultValues: valuesOf(org),
  });
  const hadThreshold =
    typeof (org.settings as Record<string, unknown>).review_threshold === "number";

  const onSubmit = handleSubmit(async (v) => {
    setFailure(null);
    const settings: Record<string, unknown> = {
      agent_language: v.agent_language,
      promotion_gate: {
        metric: v.metric,
        margin: v.margin,
        max_latency_p95_ms: v.max_latency_p95_ms,
      },
    };
    if (v.review_threshold !== undefined) settings.review_threshold = v.review_threshold;
    else if (hadThreshold) settings.review_threshold = null;
    try {
      const saved = await update.mutateAsync({ name: v.name, settings });
      reset(valuesOf(saved));
      const { user, permissions, organization } = useAuth.getState();
      if (user && organization) setProfileName(user, organization, permissions, saved.name);
      notify("success", "Organization settings saved.");
    } catch (error) {
      const fields = error instanceof ApiError ? Object.values(error.fieldErrors()) : [];
      setFailure(fields.length ? fields.join("; ") : errorMessage(error));
    }
  });

  const disabled = !canWrite;
  return (
    <Paper sx={{ p: 3, maxWidth: 720 }}>
      <form noValidate onSubmit={onSubmit} aria-label="Organization settings">
        <Stack spacing={3}>
          {!canWrite ? (
            <Alert severity="info" data-testid="admins-only">
              Only admins can change the organization&apos;s settings.
            </Alert>
          ) : null}
          {failure ? <Alert severity="error">{failure}</Alert> : null}
          <Stack spacing={2}>
            <Typography variant="h2">Organization</Typography>
            <TextField
              label="Organization name"
              disabled={disabled}
              {...register("name")}
              error={!!formState.errors.name}
              helperText={formState.errors.name?.message}
            />
            <TextField
              label="Slug"
              value={org.slug}
              slotProps={{ input: { readOnly: true } }}
              helperText="Set when the organization was created"
            />
            <TextField
              label="Agents' language"
              disabled={disabled}
              {...register("agent_language")}
              error={!!formState.errors.agent_language}
              helperText={
                formState.errors.agent_language?.message ??
                "Messages in other languages are flagged for review and translated for agents"
              }
            />
            <TextField
              label="Review threshold (optional)"
              type="number"
              disabled={disabled}
              {...register("review_threshold")}
              error={!!formState.errors.review_threshold}
              helperText={
                formState.errors.review_threshold?.message ??
                "Intent confidence below this marks a message for review (0 to 1; empty: the model's default)"
              }
              slotProps={{ htmlInput: { step: "any", min: 0, max: 1 } }}
            />
          </Stack>
          <Stack spacing={2} component="fieldset" sx={{ border: 0, p: 0, m: 0 }}>
            <Typography variant="h2" component="legend" sx={{ mb: 1 }}>
              Promotion gate
            </Typography>
            <Typography variant="body2" color="text.secondary">
              A newly trained model replaces the champion only when it beats it by the margin on
              this metric and answers fast enough.
            </Typography>
            <Controller
              control={control}
              name="metric"
              render={({ field }) => (
                <TextField select label="Metric" disabled={disabled} {...field}>
                  {METRICS.map((m) => (
                    <MenuItem key={m.value} value={m.value}>
                      {m.label}
                    </MenuItem>
                  ))}
                </TextField>
              )}
            />
            <TextField
              label="Margin"
              type="number"
              disabled={disabled}
              {...register("margin")}
              error={!!formState.errors.margin}
              helperText={
                formState.errors.margin?.message ??
                "How much better the challenger must be (0 to 0.5)"
              }
              slotProps={{ htmlInput: { step: "any", min: 0, max: 0.5 } }}
            />
            <TextField
              label="Maximum p95 latency (ms)"
              type="number"
              disabled={disabled}
              {...register("max_latency_p95_ms")}
              error={!!formState.errors.max_latency_p95_ms}
              helperText={
                formState.errors.max_latency_p95_ms?.message ?? "Per message, at most 10000"
              }
              slotProps={{ htmlInput: { step: "any", min: 0, max: 10000 } }}
            />
          </Stack>
          {canWrite ? (
            <Box>
              <Button
                type="submit"
                variant="contained"
                disabled={formState.isSubmitting || !formState.isDirty}
              >
                Save settings
              </Button>
            </Box>
          ) : null}
        </Stack>
      </form>
      {notice}
    </Paper>
  );
}

function setProfileName(
  user: NonNullable<ReturnType<typeof useAuth.getState>["user"]>,
  organization: NonNullable<ReturnType<typeof useAuth.getState>["organization"]>,
  permissions: string[],
  name: string,
) {
  useAuth.getState().setProfile(user, { ...organization, name }, permissions);
}

export function OrganizationTab() {
  const query = useOrganization();
  return (
    <QueryState query={query} loadingLabel="Loading the organization…">
      {(org) => <OrganizationForm key={org.id} org={org} />}
    </QueryState>
  );
}
