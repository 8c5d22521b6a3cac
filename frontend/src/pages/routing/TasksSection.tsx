// Per-task routing: model preference order, strategy, quality tier, per-request cost cap,
// output and time limits, and optional per-task budgets.
import ExpandMoreIcon from "@mui/icons-material/ExpandMore";
import {
  Accordion,
  AccordionDetails,
  AccordionSummary,
  Box,
  Chip,
  Paper,
  Stack,
  Typography,
} from "@mui/material";
import { useState } from "react";
import { Controller, useFormState, useWatch, type Control } from "react-hook-form";
import { ModelOrder } from "./ModelOrder";
import { NumberField, SelectField, SwitchField } from "./fields";
import type { PolicyForm } from "./policyForm";
import { QUALITY_TIERS, STRATEGIES, taskLabel } from "./types";

export function TasksSection({
  control,
  disabled,
}: {
  control: Control<PolicyForm>;
  disabled: boolean;
}) {
  const tasks = useWatch({ control, name: "tasks" });
  const { errors } = useFormState({ control, name: "tasks" });
  const suggestions = [...new Set(tasks.flatMap((t) => t.models))].sort();
  const [open, setOpen] = useState<Set<string>>(() => new Set(tasks[0] ? [tasks[0].name] : []));
  const toggle = (name: string, expanded: boolean) =>
    setOpen((was) => {
      const next = new Set(was);
      if (expanded) next.add(name);
      else next.delete(name);
      return next;
    });

  return (
    <Paper variant="outlined" component="section" aria-labelledby="tasks-heading" sx={{ p: 2 }}>
      <Typography variant="h3" id="tasks-heading" gutterBottom>
        Tasks
      </Typography>
      <Typography color="text.secondary" sx={{ mb: 2 }}>
        Each task tries its models in order and falls back to the next on errors, timeouts, or when
        a model would break the cost limit or budget.
      </Typography>
      {tasks.map((task, index) => {
        const label = taskLabel(task.name);
        const hasError = Boolean(errors.tasks?.[index]);
        return (
          <Accordion
            key={task.name}
            // a task the server (or validation) found fault with opens itself
            expanded={open.has(task.name) || hasError}
            onChange={(_, expanded) => toggle(task.name, expanded)}
            slotProps={{ transition: { unmountOnExit: true } }}
            disableGutters
            variant="outlined"
            data-testid={`task-${task.name}`}
          >
            <AccordionSummary
              expandIcon={<ExpandMoreIcon />}
              aria-controls={`task-${task.name}-content`}
              id={`task-${task.name}-header`}
            >
              <Stack direction="row" spacing={1} alignItems="center" sx={{ flexWrap: "wrap" }}>
                <Typography fontWeight={600}>{label}</Typography>
                <Typography variant="body2" color="text.secondary">
                  {task.models[0] ? `first: ${task.models[0]}` : "no model"} · {task.quality}
                </Typography>
                {hasError ? <Chip size="small" color="error" label="Needs attention" /> : null}
              </Stack>
            </AccordionSummary>
            <AccordionDetails id={`task-${task.name}-content`}>
              <Box
                sx={{
                  display: "grid",
                  gap: 2,
                  gridTemplateColumns: { xs: "1fr", md: "minmax(280px, 1.2fr) 1fr" },
                }}
              >
                <Controller
                  control={control}
                  name={`tasks.${index}.models`}
                  render={({ field, fieldState }) => (
                    <ModelOrder
                      task={task.name}
                      taskLabel={label}
                      value={field.value}
                      onChange={field.onChange}
                      suggestions={suggestions}
                      disabled={disabled}
                      error={fieldState.error?.message ?? fieldState.error?.root?.message}
                    />
                  )}
                />
                <Stack spacing={2}>
                  <SelectField
                    control={control}
                    name={`tasks.${index}.strategy`}
                    label={`${label} strategy`}
                    options={STRATEGIES}
                    disabled={disabled}
                  />
                  <SelectField
                    control={control}
                    name={`tasks.${index}.quality`}
                    label={`${label} quality tier`}
                    options={QUALITY_TIERS}
                    disabled={disabled}
                  />
                  <NumberField
                    control={control}
                    name={`tasks.${index}.max_cost_usd`}
                    label={`${label} cost limit per request (USD)`}
                    help="Models that could cost more for one request are skipped. Blank: no limit."
                    unit="$"
                    disabled={disabled}
                  />
                  <Stack direction="row" spacing={2}>
                    <NumberField
                      control={control}
                      name={`tasks.${index}.max_output_tokens`}
                      label={`${label} max output tokens`}
                      help="Blank: the task's default"
                      step={1}
                      disabled={disabled}
                    />
                    <NumberField
                      control={control}
                      name={`tasks.${index}.timeout_s`}
                      label={`${label} timeout`}
                      unit="s"
                      disabled={disabled}
                    />
                  </Stack>
                  <Stack direction="row" spacing={2}>
                    <NumberField
                      control={control}
                      name={`tasks.${index}.daily_usd`}
                      label={`${label} budget per day (USD)`}
                      help="Blank: only the organization's"
                      unit="$"
                      disabled={disabled}
                    />
                    <NumberField
                      control={control}
                      name={`tasks.${index}.monthly_usd`}
                      label={`${label} budget per month (USD)`}
                      unit="$"
                      disabled={disabled}
                    />
                  </Stack>
                  <SwitchField
                    control={control}
                    name={`tasks.${index}.stream`}
                    label={`Stream ${label.toLowerCase()}`}
                    help="Only models that can stream are allowed"
                    disabled={disabled}
                  />
                </Stack>
              </Box>
            </AccordionDetails>
          </Accordion>
        );
      })}
    </Paper>
  );
}
