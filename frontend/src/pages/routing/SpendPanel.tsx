// Live spend against the budgets: today's and this month's use, spend per day against the daily
// budget, and the breakdowns by provider, model and task. Every chart has a table view.
import {
  Box,
  LinearProgress,
  Paper,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  ToggleButton,
  ToggleButtonGroup,
  Typography,
} from "@mui/material";
import { useState, type ReactNode } from "react";
import {
  Bar,
  BarChart,
  CartesianGrid,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { usd, type Spend } from "./types";

type View = "chart" | "table";

function ChartCard({
  title,
  id,
  children,
}: {
  title: string;
  id: string;
  children: (view: View) => ReactNode;
}) {
  const [view, setView] = useState<View>("chart");
  return (
    <Paper variant="outlined" component="section" aria-labelledby={id} sx={{ p: 2 }}>
      <Stack direction="row" alignItems="center" sx={{ mb: 1 }}>
        <Typography variant="h3" id={id} sx={{ flex: 1 }}>
          {title}
        </Typography>
        <ToggleButtonGroup
          size="small"
          exclusive
          value={view}
          onChange={(_, next: View | null) => next && setView(next)}
          aria-label={`${title}: view as`}
        >
          <ToggleButton value="chart">Chart</ToggleButton>
          <ToggleButton value="table">Table</ToggleButton>
        </ToggleButtonGroup>
      </Stack>
      {children(view)}
    </Paper>
  );
}

function Meter({
  label,
  spent,
  reserved,
  limit,
  softRatio,
}: {
  label: string;
  spent: number;
  reserved: number;
  limit: number | null;
  softRatio: number;
}) {
  const ratio = limit ? spent / limit : 0;
  const state = !limit
    ? "No limit"
    : ratio >= 1
      ? "Over budget"
      : ratio >= softRatio
        ? "Past the soft alert"
        : "Within budget";
  return (
    <Box sx={{ flex: 1, minWidth: 220 }}>
      <Typography variant="subtitle2">{label}</Typography>
      <Typography variant="h3" component="p">
        {usd(spent)}{" "}
        <Typography component="span" color="text.secondary">
          of {usd(limit)}
        </Typography>
      </Typography>
      {limit ? (
        <LinearProgress
          variant="determinate"
          value={Math.min(100, ratio * 100)}
          color={ratio >= 1 ? "error" : ratio >= softRatio ? "warning" : "primary"}
          aria-label={`${label}: ${Math.round(ratio * 100)}% of budget used`}
          sx={{ height: 8, borderRadius: 4, my: 0.5 }}
        />
      ) : null}
      <Typography variant="caption" color="text.secondary">
        {state}
        {limit ? ` · ${Math.round(ratio * 100)}%` : ""}
        {reserved > 0 ? ` · ${usd(reserved)} held for calls in flight` : ""}
      </Typography>
    </Box>
  );
}

/** Every day from `since` to today, with 0 where nothing was spent. */
export function dailySeries(spend: Spend, today = new Date()): { day: string; usd: number }[] {
  const out: { day: string; usd: number }[] = [];
  const end = today.toISOString().slice(0, 10);
  const cursor = new Date(`${spend.since}T00:00:00Z`);
  for (let i = 0; i < 400; i++) {
    const day = cursor.toISOString().slice(0, 10);
    if (day > end) break;
    out.push({ day, usd: spend.by_day[day] ?? 0 });
    cursor.setUTCDate(cursor.getUTCDate() + 1);
  }
  for (const [day, value] of Object.entries(spend.by_day))
    if (!out.some((p) => p.day === day)) out.push({ day, usd: value });
  return out.sort((a, b) => a.day.localeCompare(b.day));
}

function Breakdown({
  title,
  id,
  data,
}: {
  title: string;
  id: string;
  data: Record<string, number>;
}) {
  const rows = Object.entries(data)
    .map(([name, value]) => ({ name, usd: value }))
    .sort((a, b) => b.usd - a.usd);
  const total = rows.reduce((sum, r) => sum + r.usd, 0);
  return (
    <ChartCard title={title} id={id}>
      {(view) =>
        rows.length === 0 ? (
          <Typography color="text.secondary">No spend in this period.</Typography>
        ) : view === "table" ? (
          <Table size="small" aria-labelledby={id}>
            <TableHead>
              <TableRow>
                <TableCell>Name</TableCell>
                <TableCell align="right">Spend (USD)</TableCell>
                <TableCell align="right">Share</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {rows.map((r) => (
                <TableRow key={r.name}>
                  <TableCell>{r.name}</TableCell>
                  <TableCell align="right">{usd(r.usd)}</TableCell>
                  <TableCell align="right">
                    {total ? `${Math.round((r.usd / total) * 100)}%` : "—"}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        ) : (
          <Box
            role="img"
            aria-label={`${title}: ${rows.map((r) => `${r.name} ${usd(r.usd)}`).join(", ")}`}
          >
            <ResponsiveContainer
              width="100%"
              height={Math.max(120, rows.length * 36 + 40)}
              initialDimension={{ width: 400, height: 160 }}
            >
              <BarChart data={rows} layout="vertical" margin={{ left: 24, right: 16 }}>
                <CartesianGrid strokeDasharray="3 3" horizontal={false} />
                <XAxis type="number" tickFormatter={(v: number) => usd(v)} />
                <YAxis type="category" dataKey="name" width={150} />
                <Tooltip formatter={(v) => usd(Number(v))} />
                <Bar dataKey="usd" name="Spend" fill="#1976d2" />
              </BarChart>
            </ResponsiveContainer>
          </Box>
        )
      }
    </ChartCard>
  );
}

export function SpendPanel({ spend }: { spend: Spend }) {
  const b = spend.budget;
  const series = dailySeries(spend);
  const calls = Object.entries(spend.calls)
    .map(([status, n]) => `${n} ${status}`)
    .join(", ");
  return (
    <Stack spacing={2}>
      <Paper variant="outlined" sx={{ p: 2 }}>
        <Stack direction={{ xs: "column", md: "row" }} spacing={3}>
          <Meter
            label="Today"
            spent={b.today_spent_usd}
            reserved={b.today_reserved_usd}
            limit={b.daily_usd}
            softRatio={b.soft_ratio}
          />
          <Meter
            label="This month"
            spent={b.month_spent_usd}
            reserved={b.month_reserved_usd}
            limit={b.monthly_usd}
            softRatio={b.soft_ratio}
          />
          <Box sx={{ flex: 1, minWidth: 220 }}>
            <Typography variant="subtitle2">Since {spend.since}</Typography>
            <Typography variant="h3" component="p">
              {usd(spend.total_usd)}
            </Typography>
            <Typography variant="caption" color="text.secondary">
              {calls ? `Calls: ${calls}` : "No calls yet"}
            </Typography>
          </Box>
        </Stack>
      </Paper>
      <ChartCard title="Spend per day" id="spend-per-day">
        {(view) =>
          view === "table" ? (
            <Table size="small" aria-labelledby="spend-per-day" data-testid="spend-per-day-table">
              <TableHead>
                <TableRow>
                  <TableCell>Day (UTC)</TableCell>
                  <TableCell align="right">Spend (USD)</TableCell>
                  <TableCell align="right">Daily budget (USD)</TableCell>
                  <TableCell align="right">Used</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {series.map((p) => (
                  <TableRow key={p.day}>
                    <TableCell>{p.day}</TableCell>
                    <TableCell align="right">{usd(p.usd)}</TableCell>
                    <TableCell align="right">{usd(b.daily_usd)}</TableCell>
                    <TableCell align="right">
                      {b.daily_usd ? `${Math.round((p.usd / b.daily_usd) * 100)}%` : "—"}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          ) : (
            <Box
              role="img"
              aria-label={`Spend per day since ${spend.since}, total ${usd(spend.total_usd)}; daily budget ${usd(b.daily_usd)}. Switch to the table view for each day.`}
            >
              <ResponsiveContainer
                width="100%"
                height={260}
                initialDimension={{ width: 600, height: 260 }}
              >
                <BarChart data={series} margin={{ top: 16, right: 24 }}>
                  <CartesianGrid strokeDasharray="3 3" vertical={false} />
                  <XAxis dataKey="day" tickFormatter={(d: string) => d.slice(5)} />
                  <YAxis tickFormatter={(v: number) => usd(v)} width={72} />
                  <Tooltip formatter={(v) => usd(Number(v))} />
                  <Bar dataKey="usd" name="Spend" fill="#1976d2" />
                  {b.daily_usd !== null ? (
                    <ReferenceLine
                      y={b.daily_usd}
                      stroke="#d32f2f"
                      strokeDasharray="6 3"
                      ifOverflow="extendDomain"
                      label={{
                        value: `Daily budget ${usd(b.daily_usd)}`,
                        position: "insideTopRight",
                      }}
                    />
                  ) : null}
                </BarChart>
              </ResponsiveContainer>
            </Box>
          )
        }
      </ChartCard>
      <Box
        sx={{ display: "grid", gap: 2, gridTemplateColumns: { xs: "1fr", lg: "repeat(3, 1fr)" } }}
      >
        <Breakdown title="By provider" id="spend-by-provider" data={spend.by_provider} />
        <Breakdown title="By model" id="spend-by-model" data={spend.by_model} />
        <Breakdown title="By task" id="spend-by-task" data={spend.by_task} />
      </Box>
    </Stack>
  );
}
