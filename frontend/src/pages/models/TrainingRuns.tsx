// The training runs, newest first, with their progress (asked again every 3 s while one runs).
import {
  Box,
  Button,
  Chip,
  LinearProgress,
  Paper,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  Typography,
} from "@mui/material";
import { Empty, QueryState } from "../../components/PageState";
import { formatMetric, METRICS } from "./modelData";
import { isActive, useTrainingRuns, type TrainingRun } from "./queries";

const STATUS_COLOR = {
  queued: "default",
  running: "info",
  succeeded: "success",
  failed: "error",
} as const;

function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : "—";
}

function duration(run: TrainingRun): string {
  if (!run.started_at) return "—";
  const end = run.finished_at ? Date.parse(run.finished_at) : Date.now();
  const seconds = Math.max(0, Math.round((end - Date.parse(run.started_at)) / 1000));
  const minutes = Math.floor(seconds / 60);
  return minutes ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
}

function params(run: TrainingRun): string {
  const entries = Object.entries(run.params);
  return entries.length
    ? entries.map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : String(v)}`).join(" ")
    : "defaults";
}

function RunRow({ run }: { run: TrainingRun }) {
  const percent = Math.round(run.progress * 100);
  const accuracy = METRICS[0];
  return (
    <TableRow data-testid={`training-run-${run.id}`}>
      <TableCell>
        <Chip size="small" label={run.status} color={STATUS_COLOR[run.status]} />
        {run.attempts > 1 ? (
          <Typography variant="caption" display="block" color="text.secondary">
            attempt {run.attempts}
          </Typography>
        ) : null}
      </TableCell>
      <TableCell sx={{ minWidth: 160 }}>
        <Box sx={{ display: "flex", alignItems: "center", gap: 1 }}>
          <LinearProgress
            variant="determinate"
            value={percent}
            sx={{ flex: 1 }}
            aria-label={`Progress of run ${run.id.slice(0, 8)}`}
          />
          <Typography variant="body2">{percent}%</Typography>
        </Box>
        <Typography variant="caption" color="text.secondary">
          {run.stage ?? ""}
        </Typography>
      </TableCell>
      <TableCell>{run.dataset}</TableCell>
      <TableCell>
        {run.trainer}
        <Typography variant="caption" display="block" color="text.secondary">
          {params(run)}
        </Typography>
      </TableCell>
      <TableCell>{run.model_version ? `v${run.model_version}` : "—"}</TableCell>
      <TableCell>{accuracy ? formatMetric(run.metrics, accuracy) : "—"}</TableCell>
      <TableCell>
        {when(run.created_at)}
        <Typography variant="caption" display="block" color="text.secondary">
          {duration(run)}
        </Typography>
      </TableCell>
      <TableCell sx={{ maxWidth: 280 }}>
        {run.error ? (
          <Typography variant="body2" color="error">
            {run.error}
          </Typography>
        ) : (
          <Typography variant="caption" color="text.secondary">
            {run.snapshot_id ? `snapshot ${run.snapshot_id.slice(0, 12)}` : ""}
          </Typography>
        )}
      </TableCell>
    </TableRow>
  );
}

export function TrainingRuns() {
  const query = useTrainingRuns();
  return (
    <Paper sx={{ p: 2 }} component="section" aria-labelledby="runs-title">
      <Typography id="runs-title" variant="h2" gutterBottom>
        Training runs
      </Typography>
      <QueryState query={query} loadingLabel="Loading training runs…">
        {(data) => {
          const runs = data.pages.flatMap((p) => p.items);
          if (!runs.length)
            return (
              <Empty title="No training runs yet">
                Start one to train a model on a public dataset or your agents&apos; labels.
              </Empty>
            );
          return (
            <>
              {runs.some(isActive) ? (
                <Typography variant="body2" color="text.secondary" role="status">
                  Updating every 3 seconds while a run is queued or running.
                </Typography>
              ) : null}
              <TableContainer>
                <Table size="small" aria-label="Training runs">
                  <TableHead>
                    <TableRow>
                      <TableCell>Status</TableCell>
                      <TableCell>Progress</TableCell>
                      <TableCell>Dataset</TableCell>
                      <TableCell>Trainer</TableCell>
                      <TableCell>Version</TableCell>
                      <TableCell>Accuracy</TableCell>
                      <TableCell>Started</TableCell>
                      <TableCell>Details</TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {runs.map((run) => (
                      <RunRow key={run.id} run={run} />
                    ))}
                  </TableBody>
                </Table>
              </TableContainer>
              {query.hasNextPage ? (
                <Button
                  onClick={() => void query.fetchNextPage()}
                  disabled={query.isFetchingNextPage}
                  sx={{ mt: 1 }}
                >
                  {query.isFetchingNextPage ? "Loading…" : "Show older runs"}
                </Button>
              ) : null}
            </>
          );
        }}
      </QueryState>
    </Paper>
  );
}
