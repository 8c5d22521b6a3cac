// The routing policy form: budgets, escalation, PII masking, providers and tasks. Save PUTs the
// whole document; the server's reasons for refusing it land next to the fields they concern.
import { yupResolver } from "@hookform/resolvers/yup";
import { Alert, AlertTitle, Box, Button, Paper, Stack, Typography } from "@mui/material";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useForm, type FieldPath } from "react-hook-form";
import { ApiError, errorMessage, request } from "../../api/client";
import { NumberField, SwitchField } from "./fields";
import { policyErrors, policySchema, toDocument, toForm, type PolicyForm } from "./policyForm";
import { ProvidersSection } from "./ProvidersSection";
import { TasksSection } from "./TasksSection";
import type { PolicyView } from "./types";

export function PolicyEditor({ policy, canWrite }: { policy: PolicyView; canWrite: boolean }) {
  const client = useQueryClient();
  const disabled = !canWrite;
  const {
    control,
    handleSubmit,
    reset,
    setError,
    getValues,
    formState: { isDirty },
  } = useForm<PolicyForm>({ resolver: yupResolver(policySchema), defaultValues: toForm(policy) });
  const [saved, setSaved] = useState(false);
  const [refusal, setRefusal] = useState<{ message: string; other: string[] } | null>(null);

  const save = useMutation({
    mutationFn: (values: PolicyForm) =>
      request<PolicyView>("/api/v1/routing/policy", {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(toDocument(values, policy)),
      }),
    onMutate: () => {
      setSaved(false);
      setRefusal(null);
    },
    onSuccess: (next) => {
      client.setQueryData(["routing", "policy"], next);
      void client.invalidateQueries({ queryKey: ["routing", "spend"] });
      reset(toForm(next));
      setSaved(true);
    },
    onError: (error) => {
      if (!(error instanceof ApiError)) {
        setRefusal({ message: errorMessage(error), other: [] });
        return;
      }
      const { fields, other } = policyErrors(error, getValues());
      for (const [path, message] of Object.entries(fields))
        setError(path as FieldPath<PolicyForm>, { type: "server", message });
      const placed = Object.keys(fields).length;
      setRefusal({
        message:
          placed > 0
            ? `${error.message}. ${placed === 1 ? "One field needs" : `${placed} fields need`} attention below.`
            : error.message,
        other,
      });
    },
  });

  return (
    <Box
      component="form"
      noValidate
      aria-label="Routing policy"
      onSubmit={handleSubmit((values) => save.mutate(values))}
    >
      <Stack spacing={3}>
        {disabled ? (
          <Alert severity="info">
            You can view this policy. Changing it needs the write:routing permission (admins).
          </Alert>
        ) : null}
        <Paper
          variant="outlined"
          component="section"
          aria-labelledby="budgets-heading"
          sx={{ p: 2 }}
        >
          <Typography variant="h3" id="budgets-heading" gutterBottom>
            Budgets and safety
          </Typography>
          <Box
            sx={{
              display: "grid",
              gap: 2,
              gridTemplateColumns: { xs: "1fr", sm: "1fr 1fr", lg: "repeat(4, 1fr)" },
            }}
          >
            <NumberField
              control={control}
              name="budgets.daily_usd"
              label="Daily budget (USD)"
              help="Hard limit per UTC day: past it, calls fall back to the local model or are refused. Blank: none."
              unit="$"
              disabled={disabled}
            />
            <NumberField
              control={control}
              name="budgets.monthly_usd"
              label="Monthly budget (USD)"
              help="Hard limit per calendar month. Blank: none."
              unit="$"
              disabled={disabled}
            />
            <NumberField
              control={control}
              name="budgets.soft_percent"
              label="Soft alert threshold (% of budget)"
              help="A budget alert is sent when spend crosses this share of a budget."
              unit="%"
              disabled={disabled}
            />
            <NumberField
              control={control}
              name="escalation_threshold"
              label="Escalation threshold (confidence)"
              help="Messages the classifier is less sure of than this (0–1) are escalated to an LLM."
              step={0.05}
              disabled={disabled}
            />
          </Box>
          <SwitchField
            control={control}
            name="mask_pii"
            label="Mask personal data before calling external providers"
            help="Emails, phone numbers, card numbers and similar are replaced with placeholders."
            disabled={disabled}
          />
        </Paper>

        <ProvidersSection control={control} disabled={disabled} />
        <TasksSection control={control} disabled={disabled} />

        {refusal ? (
          <Alert severity="error" role="alert" onClose={() => setRefusal(null)}>
            <AlertTitle>The policy was not saved</AlertTitle>
            {refusal.message}
            {refusal.other.length > 0 ? (
              <Box component="ul" sx={{ m: 0, pl: 2 }}>
                {refusal.other.map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </Box>
            ) : null}
          </Alert>
        ) : null}
        {saved && !isDirty ? (
          <Alert severity="success" role="status" onClose={() => setSaved(false)}>
            Policy saved
          </Alert>
        ) : null}
        {canWrite ? (
          <Paper
            variant="outlined"
            sx={{ p: 1.5, position: "sticky", bottom: 0, zIndex: 1, display: "flex", gap: 1 }}
          >
            <Typography color="text.secondary" sx={{ flex: 1, alignSelf: "center" }}>
              {isDirty ? "Unsaved changes" : `Version ${policy.version || "default"}`}
            </Typography>
            <Button
              onClick={() => {
                reset(toForm(policy));
                setRefusal(null);
              }}
              disabled={!isDirty || save.isPending}
            >
              Discard changes
            </Button>
            <Button type="submit" variant="contained" disabled={save.isPending}>
              {save.isPending ? "Saving…" : "Save policy"}
            </Button>
          </Paper>
        ) : null}
      </Stack>
    </Box>
  );
}
