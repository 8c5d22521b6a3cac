// "Start training": dataset, trainer and the options that apply to them; POST /training/runs.
import { yupResolver } from "@hookform/resolvers/yup";
import {
  Alert,
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Grid2 as Grid,
  MenuItem,
  TextField,
  Typography,
} from "@mui/material";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Controller, useForm } from "react-hook-form";
import { api, ApiError, errorMessage, unwrap } from "../../api/client";
import { keys } from "./queries";
import {
  BASES,
  DATASETS,
  NGRAMS,
  NUMERIC,
  NUMERIC_KEYS,
  TRAINERS,
  TRAINING_DEFAULTS,
  trainingBody,
  trainingSchema,
  type TrainingValues,
} from "./trainingForm";

export function TrainingDialog({
  open,
  onClose,
  onStarted,
}: {
  open: boolean;
  onClose: () => void;
  onStarted: (message: string) => void;
}) {
  const client = useQueryClient();
  const { control, register, handleSubmit, watch, reset, formState } = useForm<TrainingValues>({
    resolver: yupResolver(trainingSchema),
    defaultValues: TRAINING_DEFAULTS,
  });
  const trainer = watch("trainer");
  const dataset = watch("dataset");
  const start = useMutation({
    mutationFn: (values: TrainingValues) =>
      unwrap(api.POST("/api/v1/training/runs", { body: trainingBody(values) })),
    onSuccess: (run) => {
      void client.invalidateQueries({ queryKey: keys.runs });
      onStarted(`Training run ${run.id.slice(0, 8)} queued`);
      reset(TRAINING_DEFAULTS);
      onClose();
    },
  });
  const close = () => {
    if (start.isPending) return;
    start.reset();
    onClose();
  };
  const numeric = NUMERIC_KEYS.filter((k) => {
    const bound = NUMERIC[k];
    return !bound.trainer || bound.trainer === trainer;
  });

  return (
    <Dialog open={open} onClose={close} maxWidth="md" fullWidth aria-labelledby="train-title">
      <DialogTitle id="train-title">Start training</DialogTitle>
      <form noValidate onSubmit={handleSubmit((values) => start.mutate(values))}>
        <DialogContent>
          {start.isError ? (
            <Alert severity="error" sx={{ mb: 2 }}>
              {errorMessage(start.error)}
              {start.error instanceof ApiError
                ? Object.values(start.error.fieldErrors()).map((msg) => (
                    <Box key={msg}>{msg.replace(/^Value error, /, "")}</Box>
                  ))
                : null}
            </Alert>
          ) : null}
          <Grid container spacing={2}>
            <Grid size={{ xs: 12, sm: 6 }}>
              <Controller
                control={control}
                name="dataset"
                render={({ field }) => (
                  <TextField
                    {...field}
                    select
                    fullWidth
                    label="Dataset"
                    error={!!formState.errors.dataset}
                    helperText={formState.errors.dataset?.message}
                  >
                    {DATASETS.map((d) => (
                      <MenuItem key={d.value} value={d.value}>
                        {d.label}
                      </MenuItem>
                    ))}
                  </TextField>
                )}
              />
            </Grid>
            <Grid size={{ xs: 12, sm: 6 }}>
              <Controller
                control={control}
                name="trainer"
                render={({ field }) => (
                  <TextField
                    {...field}
                    select
                    fullWidth
                    label="Trainer"
                    error={!!formState.errors.trainer}
                    helperText={formState.errors.trainer?.message}
                  >
                    {TRAINERS.map((t) => (
                      <MenuItem key={t.value} value={t.value}>
                        {t.label}
                      </MenuItem>
                    ))}
                  </TextField>
                )}
              />
            </Grid>
            {dataset === "org" ? (
              <Grid size={{ xs: 12, sm: 6 }}>
                <Controller
                  control={control}
                  name="base"
                  render={({ field }) => (
                    <TextField
                      {...field}
                      select
                      fullWidth
                      label="Public data merged in"
                      helperText="Default: bitext"
                    >
                      <MenuItem value="">Default</MenuItem>
                      {BASES.map((b) => (
                        <MenuItem key={b} value={b}>
                          {b}
                        </MenuItem>
                      ))}
                    </TextField>
                  )}
                />
              </Grid>
            ) : null}
            <Grid size={12}>
              <Typography variant="subtitle2" component="h3">
                Options (optional; empty uses the trainer&apos;s default)
              </Typography>
            </Grid>
            {trainer === "embedding-logreg" ? (
              <>
                <Grid size={{ xs: 12, sm: 6 }}>
                  <Controller
                    control={control}
                    name="ngrams"
                    render={({ field }) => (
                      <TextField {...field} select fullWidth label="Word n-grams">
                        {NGRAMS.map((n) => (
                          <MenuItem key={n} value={n}>
                            {n === "" ? "Default" : n}
                          </MenuItem>
                        ))}
                      </TextField>
                    )}
                  />
                </Grid>
                <Grid size={{ xs: 12, sm: 6 }}>
                  <TextField
                    fullWidth
                    label="C grid"
                    placeholder="1, 4, 16"
                    {...register("c_grid")}
                    error={!!formState.errors.c_grid}
                    helperText={formState.errors.c_grid?.message ?? "Regularisation values to try"}
                  />
                </Grid>
              </>
            ) : null}
            {numeric.map((key) => {
              const bound = NUMERIC[key];
              const error = formState.errors[key];
              return (
                <Grid key={key} size={{ xs: 12, sm: 6, md: 4 }}>
                  <TextField
                    fullWidth
                    label={bound.label}
                    inputMode="decimal"
                    {...register(key)}
                    error={!!error}
                    helperText={error?.message ?? `${bound.min} – ${bound.max}`}
                  />
                </Grid>
              );
            })}
            <Grid size={12}>
              <TextField
                fullWidth
                label="Only these intents"
                placeholder="card_arrival, exchange_rate"
                {...register("labels")}
                error={!!formState.errors.labels}
                helperText={
                  formState.errors.labels?.message ??
                  "Comma-separated; empty trains on every intent"
                }
              />
            </Grid>
          </Grid>
        </DialogContent>
        <DialogActions>
          <Button onClick={close} disabled={start.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="contained" disabled={start.isPending}>
            {start.isPending ? "Starting…" : "Start"}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
