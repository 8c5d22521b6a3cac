// The promotion gate's numbers: challenger and champion scored on the same gate split.
import { Table, TableBody, TableCell, TableHead, TableRow, Typography } from "@mui/material";
import {
  decimal,
  metricLabel,
  millis,
  percent,
  type GateNumbers,
  type GateSide,
} from "./modelData";

const ROWS: { key: keyof GateSide; label: string; format: (v: number) => string }[] = [
  { key: "accuracy", label: "Accuracy", format: percent },
  { key: "macro_f1", label: "Macro-F1", format: percent },
  { key: "ece", label: "ECE", format: decimal },
  { key: "latency_p95_ms", label: "Latency p95", format: millis },
  { key: "n", label: "Examples", format: (v) => String(v) },
];

function cell(side: GateSide | undefined, key: keyof GateSide, format: (v: number) => string) {
  const value = side?.[key];
  return typeof value === "number" ? format(value) : "—";
}

/** A signed difference: percentage points for rates, the metric's own unit otherwise. */
function difference(key: keyof GateSide, diff: number): string {
  const sign = diff >= 0 ? "+" : "−";
  const size = Math.abs(diff);
  if (key === "latency_p95_ms") return `${sign}${millis(size)}`;
  if (key === "ece") return `${sign}${decimal(size)}`;
  return `${sign}${(size * 100).toFixed(2)} pp`;
}

export function GateNumbersTable({ numbers }: { numbers: GateNumbers }) {
  const { challenger, champion, metric } = numbers;
  return (
    <>
      <Typography variant="body2" sx={{ mb: 1 }}>
        Gate on {metric ? metricLabel(metric) : "the gate metric"}
        {numbers.margin !== undefined ? `, margin ${numbers.margin}` : ""}
        {numbers.max_latency_p95_ms !== undefined
          ? `, latency limit ${millis(numbers.max_latency_p95_ms)}`
          : ""}
        {numbers.gate_examples !== undefined
          ? ` — ${numbers.gate_examples} gate examples${numbers.dataset ? ` of ${numbers.dataset}` : ""}`
          : ""}
      </Typography>
      <Table size="small" aria-label="Gate numbers">
        <TableHead>
          <TableRow>
            <TableCell component="th" scope="col">
              Metric
            </TableCell>
            <TableCell component="th" scope="col" align="right">
              Challenger {challenger ? `v${challenger.version}` : ""}
            </TableCell>
            <TableCell component="th" scope="col" align="right">
              Champion {champion ? `v${champion.version}` : "(none)"}
            </TableCell>
            <TableCell component="th" scope="col" align="right">
              Difference
            </TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {ROWS.filter(
            (r) => challenger?.[r.key] !== undefined || champion?.[r.key] !== undefined,
          ).map((row) => {
            const a = challenger?.[row.key];
            const b = champion?.[row.key];
            const diff =
              typeof a === "number" && typeof b === "number" && row.key !== "n" ? a - b : null;
            const gated = row.key === metric;
            return (
              <TableRow key={row.key} selected={gated}>
                <TableCell component="th" scope="row">
                  {row.label}
                  {gated ? " (gate metric)" : ""}
                </TableCell>
                <TableCell align="right">{cell(challenger, row.key, row.format)}</TableCell>
                <TableCell align="right">{cell(champion, row.key, row.format)}</TableCell>
                <TableCell align="right">
                  {diff === null ? "—" : difference(row.key, diff)}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </>
  );
}
