// /routing: live LLM spend against the budgets, and the organization's routing policy.
import { Alert, Box, Stack, ToggleButton, ToggleButtonGroup, Typography } from "@mui/material";
import { useQuery } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { api, unwrap } from "../../api/client";
import { useCan } from "../../auth/store";
import { PageHeader } from "../../components/PageHeader";
import type { LiveEvent } from "../../live/events";
import { useLiveEvents } from "../../live/useLive";
import { Empty, QueryState } from "../../components/PageState";
import { PolicyEditor } from "./PolicyEditor";
import { SpendPanel } from "./SpendPanel";
import type { PolicyView, Spend } from "./types";

const PERIODS = [7, 30, 90] as const;

/** "daily:soft" → "the daily soft alert threshold"; "monthly:hard" → "the monthly budget". */
export function describeThreshold(threshold: string): string {
  const [period = "", level = ""] = threshold.split(":");
  return level === "hard" ? `the ${period} budget` : `the ${period} soft alert threshold`;
}

/** The first day (UTC) of a period of `days` days ending today. */
export function sinceFor(days: number, today = new Date()): string {
  const start = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()));
  start.setUTCDate(start.getUTCDate() - (days - 1));
  return start.toISOString().slice(0, 10);
}

export default function RoutingPage() {
  const canRead = useCan("read:routing");
  const canWrite = useCan("write:routing");
  const [days, setDays] = useState<number>(30);
  const since = sinceFor(days);
  const [alerts, setAlerts] = useState<string[]>([]);
  const onEvent = useCallback((event: LiveEvent) => {
    if (event.kind !== "budget.alert") return;
    const threshold = String(event.data.threshold ?? "");
    setAlerts((was) => (was.includes(threshold) ? was : [...was, threshold]));
  }, []);
  useLiveEvents(onEvent);

  // The Layout invalidates ["routing"] on live budget.alert events; spend also refreshes every 30 s.
  const spend = useQuery({
    queryKey: ["routing", "spend", since],
    queryFn: async () =>
      (await unwrap(
        api.GET("/api/v1/routing/spend", { params: { query: { since } } }),
      )) as unknown as Spend,
    refetchInterval: 30_000,
    enabled: canRead,
  });
  const policy = useQuery({
    queryKey: ["routing", "policy"],
    queryFn: async () => (await unwrap(api.GET("/api/v1/routing/policy"))) as PolicyView,
    enabled: canRead,
  });

  if (!canRead) {
    return (
      <Box>
        <PageHeader title="AI routing" />
        <Empty title="No access">You need the read:routing permission to see AI routing.</Empty>
      </Box>
    );
  }

  return (
    <Box>
      <PageHeader
        title="AI routing"
        subtitle="Which models answer each task, what they may cost, and what has been spent."
      />
      <Stack spacing={4}>
        <Box component="section" aria-labelledby="spend-heading">
          <Stack direction="row" alignItems="center" sx={{ mb: 2 }} flexWrap="wrap" gap={1}>
            <Typography variant="h2" id="spend-heading" sx={{ flex: 1 }}>
              Spend
            </Typography>
            <ToggleButtonGroup
              size="small"
              exclusive
              value={days}
              onChange={(_, next: number | null) => next && setDays(next)}
              aria-label="Spend period"
            >
              {PERIODS.map((d) => (
                <ToggleButton key={d} value={d}>
                  {d} days
                </ToggleButton>
              ))}
            </ToggleButtonGroup>
          </Stack>
          {alerts.map((threshold) => (
            <Alert
              key={threshold}
              severity={threshold.endsWith(":hard") ? "error" : "warning"}
              sx={{ mb: 2 }}
              onClose={() => setAlerts((was) => was.filter((t) => t !== threshold))}
            >
              Budget alert: spend has crossed {describeThreshold(threshold)}.
            </Alert>
          ))}
          <QueryState query={spend} loadingLabel="Loading spend…">
            {(data) => <SpendPanel spend={data} />}
          </QueryState>
        </Box>
        <Box component="section" aria-labelledby="policy-heading">
          <Typography variant="h2" id="policy-heading" sx={{ mb: 2 }}>
            Policy
          </Typography>
          <QueryState query={policy} loadingLabel="Loading the routing policy…">
            {(data) => <PolicyEditor policy={data} canWrite={canWrite} />}
          </QueryState>
        </Box>
      </Stack>
    </Box>
  );
}
