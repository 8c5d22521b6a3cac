// Score one version on a public dataset's split (the official test split for final figures);
// the API logs the figures to the version's MLflow run and answers with them.
import { yupResolver } from "@hookform/resolvers/yup";
import {
  Alert,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  MenuItem,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
} from "@mui/material";
import { useMutation } from "@tanstack/react-query";
import { Controller, useForm } from "react-hook-form";
import * as yup from "yup";
import { api, errorMessage, unwrap } from "../../api/client";
import { DATASETS } from "./trainingForm";

const SPLITS = ["test", "gate", "validation"] as const;

const schema = yup.object({
  dataset: yup.string().oneOf(["banking77", "clinc150", "bitext"]).required("Choose a dataset"),
  split: yup
    .string()
    .oneOf([...SPLITS])
    .required("Choose a split"),
  limit: yup
    .string()
    .trim()
    .default("")
    .test(
      "limit",
      "A whole number from 10 to 100000",
      (v) => !v || (Number.isInteger(Number(v)) && Number(v) >= 10 && Number(v) <= 100_000),
    ),
});

type Values = yup.InferType<typeof schema>;
type Body = { dataset: "banking77" | "clinc150" | "bitext"; split: (typeof SPLITS)[number] };

function figure(value: unknown): string {
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(4);
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function EvaluateDialog({
  name,
  version,
  onClose,
}: {
  name: string;
  version: string;
  onClose: () => void;
}) {
  const { control, register, handleSubmit, formState } = useForm<Values>({
    resolver: yupResolver(schema),
    defaultValues: { dataset: "banking77", split: "test", limit: "" },
  });
  const evaluate = useMutation({
    mutationFn: (values: Values) =>
      unwrap(
        api.POST("/api/v1/models/{name}/evaluate", {
          params: { path: { name } },
          body: {
            version,
            ...(values as Body),
            ...(values.limit ? { limit: Number(values.limit) } : {}),
          },
        }),
      ),
  });
  const metrics = (evaluate.data?.metrics ?? null) as Record<string, unknown> | null;
  const close = () => {
    if (!evaluate.isPending) onClose();
  };

  return (
    <Dialog open onClose={close} maxWidth="sm" fullWidth aria-labelledby="evaluate-title">
      <DialogTitle id="evaluate-title">
        Evaluate {name} v{version}
      </DialogTitle>
      <form noValidate onSubmit={handleSubmit((values) => evaluate.mutate(values))}>
        <DialogContent>
          <DialogContentText sx={{ mb: 2 }}>
            Scores the version as it serves and logs the figures to its MLflow run. A full test
            split can take a few minutes.
          </DialogContentText>
          {evaluate.isError ? (
            <Alert severity="error" sx={{ mb: 2 }}>
              {errorMessage(evaluate.error)}
            </Alert>
          ) : null}
          <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
            <Controller
              control={control}
              name="dataset"
              render={({ field }) => (
                <TextField {...field} select fullWidth label="Dataset">
                  {DATASETS.filter((d) => d.value !== "org").map((d) => (
                    <MenuItem key={d.value} value={d.value}>
                      {d.label}
                    </MenuItem>
                  ))}
                </TextField>
              )}
            />
            <Controller
              control={control}
              name="split"
              render={({ field }) => (
                <TextField {...field} select fullWidth label="Split">
                  {SPLITS.map((s) => (
                    <MenuItem key={s} value={s}>
                      {s}
                    </MenuItem>
                  ))}
                </TextField>
              )}
            />
            <TextField
              fullWidth
              label="Examples (optional)"
              inputMode="numeric"
              {...register("limit")}
              error={!!formState.errors.limit}
              helperText={formState.errors.limit?.message ?? "Empty: the whole split"}
            />
          </Stack>
          {metrics ? (
            <Table size="small" aria-label={`Evaluation of v${version}`} sx={{ mt: 2 }}>
              <TableHead>
                <TableRow>
                  <TableCell>Metric</TableCell>
                  <TableCell align="right">Value</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {Object.entries(metrics).map(([key, value]) => (
                  <TableRow key={key}>
                    <TableCell component="th" scope="row">
                      {key}
                    </TableCell>
                    <TableCell align="right">{figure(value)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          ) : null}
        </DialogContent>
        <DialogActions>
          <Button onClick={close} disabled={evaluate.isPending}>
            Close
          </Button>
          <Button type="submit" variant="contained" disabled={evaluate.isPending}>
            {evaluate.isPending ? "Evaluating…" : "Evaluate"}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
