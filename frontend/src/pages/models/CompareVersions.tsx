// Two or more versions side by side: the headline metrics (best marked), then every number the
// versions recorded.
import {
  Box,
  Button,
  Paper,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  Typography,
} from "@mui/material";
import {
  bestVersions,
  formatMetric,
  METRICS,
  metricNumber,
  metricText,
  sortVersions,
  type ModelVersion,
} from "./modelData";

const HEADLINE = new Set(METRICS.map((m) => m.key));

function otherMetrics(versions: ModelVersion[]): string[] {
  const names = new Set<string>();
  for (const v of versions)
    for (const [key, value] of Object.entries(v.metrics))
      if (typeof value === "number" && !HEADLINE.has(key)) names.add(key);
  return [...names].sort();
}

export function CompareVersions({
  name,
  versions,
  onClear,
}: {
  name: string;
  versions: ModelVersion[];
  onClear: () => void;
}) {
  const shown = sortVersions(versions).reverse();
  const best = bestVersions(shown);
  const others = otherMetrics(shown);
  return (
    <Paper component="section" aria-labelledby={`compare-${name}`} sx={{ p: 2, mt: 2 }}>
      <Box sx={{ display: "flex", alignItems: "center", mb: 1 }}>
        <Typography id={`compare-${name}`} variant="h3" component="h3" sx={{ flex: 1 }}>
          Comparing {shown.map((v) => `v${v.version}`).join(", ")}
        </Typography>
        <Button onClick={onClear}>Clear comparison</Button>
      </Box>
      <TableContainer>
        <Table size="small" aria-label={`Comparison of ${name} versions`}>
          <TableHead>
            <TableRow>
              <TableCell component="th" scope="col">
                Metric
              </TableCell>
              {shown.map((v) => (
                <TableCell key={v.version} component="th" scope="col" align="right">
                  v{v.version}
                </TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            {METRICS.map((spec) => (
              <TableRow key={spec.key}>
                <TableCell component="th" scope="row">
                  {spec.label} ({spec.better} is better)
                </TableCell>
                {shown.map((v) => {
                  const isBest = best[spec.key]?.includes(v.version) ?? false;
                  return (
                    <TableCell
                      key={v.version}
                      align="right"
                      sx={isBest ? { fontWeight: 700, color: "success.dark" } : undefined}
                    >
                      {formatMetric(v.metrics, spec)}
                      {isBest ? " (best)" : ""}
                    </TableCell>
                  );
                })}
              </TableRow>
            ))}
            {["dataset", "trainer", "snapshot_id", "reported_on"].map((key) => (
              <TableRow key={key}>
                <TableCell component="th" scope="row">
                  {key === "snapshot_id" ? "snapshot" : key.replace("_", " ")}
                </TableCell>
                {shown.map((v) => (
                  <TableCell key={v.version} align="right">
                    {metricText(v.metrics, key) ?? "—"}
                  </TableCell>
                ))}
              </TableRow>
            ))}
            {others.map((key) => (
              <TableRow key={key}>
                <TableCell component="th" scope="row">
                  {key}
                </TableCell>
                {shown.map((v) => {
                  const value = metricNumber(v.metrics, key);
                  return (
                    <TableCell key={v.version} align="right">
                      {value === null ? "—" : String(value)}
                    </TableCell>
                  );
                })}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableContainer>
    </Paper>
  );
}
