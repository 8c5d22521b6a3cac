// A chart card: the chart in a fixed-height ResponsiveContainer, and a "Table" view with the
// same numbers (for screen readers, keyboards and anyone who wants the figures).
import {
  Box,
  Paper,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  ToggleButton,
  ToggleButtonGroup,
  Typography,
} from "@mui/material";
import { useId, useState, type ReactElement, type ReactNode } from "react";
import { ResponsiveContainer } from "recharts";

export const CHART_HEIGHT = 280;

export interface TableData {
  columns: string[];
  /** the first cell of each row is its header */
  rows: (string | number)[][];
}

export function DataTable({ caption, data }: { caption: string; data: TableData }) {
  return (
    <TableContainer sx={{ maxHeight: CHART_HEIGHT + 40 }}>
      <Table size="small" stickyHeader aria-label={caption}>
        <TableHead>
          <TableRow>
            {data.columns.map((c, i) => (
              <TableCell key={c} component="th" scope="col" align={i ? "right" : "left"}>
                {c}
              </TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>
          {data.rows.map((row, r) => (
            <TableRow key={`${row[0]}-${r}`}>
              {row.map((cell, i) =>
                i === 0 ? (
                  <TableCell key={i} component="th" scope="row">
                    {cell}
                  </TableCell>
                ) : (
                  <TableCell key={i} align="right">
                    {cell}
                  </TableCell>
                ),
              )}
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}

export function ChartCard({
  id,
  title,
  summary,
  empty,
  table,
  children,
}: {
  id: string;
  title: string;
  /** a line under the title: a total, a rate */
  summary?: ReactNode;
  /** nothing in the range for this chart */
  empty: boolean;
  table: TableData;
  /** the Recharts chart (it is given the container's size) */
  children: ReactElement;
}) {
  const [view, setView] = useState<"chart" | "table">("chart");
  const titleId = useId();
  return (
    <Paper
      component="section"
      aria-labelledby={titleId}
      data-testid={`chart-${id}`}
      sx={{ p: 2, height: "100%", display: "flex", flexDirection: "column" }}
    >
      <Box sx={{ display: "flex", alignItems: "flex-start", gap: 1, mb: 1 }}>
        <Box sx={{ flex: 1 }}>
          <Typography id={titleId} variant="h3" component="h2">
            {title}
          </Typography>
          {summary ? (
            <Typography variant="body2" color="text.secondary">
              {summary}
            </Typography>
          ) : null}
        </Box>
        {!empty ? (
          <ToggleButtonGroup
            size="small"
            exclusive
            value={view}
            onChange={(_, next: "chart" | "table" | null) => next && setView(next)}
            aria-label={`${title}: chart or table`}
          >
            <ToggleButton value="chart">Chart</ToggleButton>
            <ToggleButton value="table">Table</ToggleButton>
          </ToggleButtonGroup>
        ) : null}
      </Box>
      {empty ? (
        <Box
          sx={{
            height: CHART_HEIGHT,
            display: "flex",
            alignItems: "center",
            justifyContent: "center",
          }}
        >
          <Typography color="text.secondary">No data in this range</Typography>
        </Box>
      ) : view === "table" ? (
        <DataTable caption={title} data={table} />
      ) : (
        <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
          {children}
        </ResponsiveContainer>
      )}
    </Paper>
  );
}
