// A model's versions with their headline metrics; pick versions to compare, open a version's
// evaluation, or promote it.
import {
  Button,
  Checkbox,
  Chip,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  Tooltip,
} from "@mui/material";
import {
  formatMetric,
  metricText,
  METRICS,
  sortVersions,
  type ModelVersion,
  type RegisteredModel,
} from "./modelData";

export function AliasChips({ version, model }: { version: string; model: RegisteredModel }) {
  return (
    <Stack direction="row" spacing={0.5} component="span" sx={{ display: "inline-flex", ml: 1 }}>
      {model.champion === version ? (
        <Chip size="small" color="success" label="champion · serving" />
      ) : null}
      {model.challenger === version ? (
        <Chip size="small" color="info" variant="outlined" label="challenger" />
      ) : null}
    </Stack>
  );
}

export function VersionsTable({
  model,
  selected,
  onToggle,
  details,
  onDetails,
  onPromote,
  canPromote,
  onEvaluate,
  canTrain,
}: {
  model: RegisteredModel;
  selected: string[];
  onToggle: (version: string) => void;
  details: string | null;
  onDetails: (version: string) => void;
  onPromote: (version: ModelVersion) => void;
  canPromote: boolean;
  onEvaluate: (version: string) => void;
  canTrain: boolean;
}) {
  const versions = sortVersions(model.versions);
  return (
    <TableContainer>
      <Table size="small" aria-label={`Versions of ${model.name}`}>
        <TableHead>
          <TableRow>
            <TableCell padding="checkbox">Compare</TableCell>
            <TableCell>Version</TableCell>
            {METRICS.map((m) => (
              <TableCell key={m.key} align="right">
                {m.label}
              </TableCell>
            ))}
            <TableCell>Dataset</TableCell>
            <TableCell>Trainer</TableCell>
            <TableCell>Snapshot</TableCell>
            <TableCell>Created</TableCell>
            <TableCell>Actions</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {versions.map((v) => {
            const snapshot = metricText(v.metrics, "snapshot_id");
            return (
              <TableRow
                key={v.version}
                data-testid={`model-version-${v.version}`}
                selected={model.champion === v.version}
              >
                <TableCell padding="checkbox">
                  <Checkbox
                    checked={selected.includes(v.version)}
                    onChange={() => onToggle(v.version)}
                    inputProps={{ "aria-label": `Compare version ${v.version}` }}
                  />
                </TableCell>
                <TableCell component="th" scope="row" sx={{ whiteSpace: "nowrap" }}>
                  v{v.version}
                  <AliasChips version={v.version} model={model} />
                </TableCell>
                {METRICS.map((m) => (
                  <TableCell key={m.key} align="right">
                    {formatMetric(v.metrics, m)}
                  </TableCell>
                ))}
                <TableCell>
                  {metricText(v.metrics, "dataset") ?? metricText(v.metrics, "source") ?? "—"}
                </TableCell>
                <TableCell>{metricText(v.metrics, "trainer") ?? "—"}</TableCell>
                <TableCell>
                  {snapshot ? (
                    <Tooltip title={snapshot}>
                      <span>{snapshot.slice(0, 10)}</span>
                    </Tooltip>
                  ) : (
                    "—"
                  )}
                </TableCell>
                <TableCell sx={{ whiteSpace: "nowrap" }}>
                  {new Date(v.created_at).toLocaleDateString()}
                </TableCell>
                <TableCell sx={{ whiteSpace: "nowrap" }}>
                  <Button
                    size="small"
                    onClick={() => onDetails(v.version)}
                    aria-pressed={details === v.version}
                  >
                    Details
                  </Button>
                  {canTrain ? (
                    <Button size="small" onClick={() => onEvaluate(v.version)}>
                      Evaluate
                    </Button>
                  ) : null}
                  {canPromote && model.champion !== v.version ? (
                    <Button size="small" variant="outlined" onClick={() => onPromote(v)}>
                      Promote
                    </Button>
                  ) : null}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
