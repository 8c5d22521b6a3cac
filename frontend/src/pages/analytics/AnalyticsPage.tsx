// Analytics: volume, categories, intents, sentiment, response and resolution times, automation,
// draft acceptance and AI spend over a date range; every chart also as a table.
import { Box, Grid2 as Grid, LinearProgress } from "@mui/material";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { PageHeader } from "../../components/PageHeader";
import { Empty, QueryState } from "../../components/PageState";
import {
  CategoryChart,
  DraftChart,
  IntentChart,
  SentimentChart,
  SpendChart,
  VolumeChart,
} from "./charts";
import { RangeControls, useRange } from "./RangeControls";
import { hasData } from "./shape";
import { AutomationCard, FirstResponseCard, ResolutionCard } from "./StatCards";

export default function AnalyticsPage() {
  const [range, setRange] = useRange();
  const overview = useQuery({
    queryKey: ["analytics", "overview", range.from, range.to, range.bucket],
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/analytics/overview", {
          params: { query: { from: range.from, to: range.to, bucket: range.bucket } },
        }),
      ),
    placeholderData: keepPreviousData,
  });

  return (
    <>
      <PageHeader
        title="Analytics"
        subtitle={`${range.from} to ${range.to} (UTC), by ${range.bucket}`}
      />
      <RangeControls range={range} onChange={setRange} />
      <Box sx={{ height: 4, mb: 1 }}>
        {overview.isFetching && overview.isPlaceholderData ? (
          <LinearProgress aria-label="Loading the new range" />
        ) : null}
      </Box>
      <QueryState query={overview} loadingLabel="Loading analytics…">
        {(o) =>
          hasData(o) ? (
            <Grid container spacing={2}>
              <Grid size={{ xs: 12, md: 4 }}>
                <FirstResponseCard o={o} />
              </Grid>
              <Grid size={{ xs: 12, md: 4 }}>
                <ResolutionCard o={o} />
              </Grid>
              <Grid size={{ xs: 12, md: 4 }}>
                <AutomationCard o={o} />
              </Grid>
              <Grid size={12}>
                <VolumeChart o={o} />
              </Grid>
              <Grid size={{ xs: 12, lg: 6 }}>
                <CategoryChart o={o} />
              </Grid>
              <Grid size={{ xs: 12, lg: 6 }}>
                <IntentChart o={o} />
              </Grid>
              <Grid size={{ xs: 12, lg: 6 }}>
                <SentimentChart o={o} />
              </Grid>
              <Grid size={{ xs: 12, lg: 6 }}>
                <DraftChart o={o} />
              </Grid>
              <Grid size={12}>
                <SpendChart o={o} />
              </Grid>
            </Grid>
          ) : (
            <Empty title="No activity in this range">
              Nothing was received, drafted or spent between {range.from} and {range.to}. Try a
              longer range.
            </Empty>
          )
        }
      </QueryState>
    </>
  );
}
