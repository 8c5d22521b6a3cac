// Headline figures: first response and resolution times (median, p90), the automation rate.
import { Box, Paper, Typography } from "@mui/material";
import type { ReactNode } from "react";
import { formatDuration, formatPercent, type DurationStats, type Overview } from "./shape";

function Stat({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <Paper
      component="section"
      aria-labelledby={`stat-${id}`}
      data-testid={`stat-${id}`}
      sx={{ p: 2, height: "100%" }}
    >
      <Typography id={`stat-${id}`} variant="h3" component="h2" gutterBottom>
        {title}
      </Typography>
      {children}
    </Paper>
  );
}

function Durations({ stats, noun }: { stats: DurationStats; noun: string }) {
  if (!stats.count) return <Typography color="text.secondary">No {noun} in this range</Typography>;
  return (
    <Box component="dl" sx={{ m: 0, display: "grid", gridTemplateColumns: "auto 1fr", gap: 0.5 }}>
      <Typography component="dt" color="text.secondary">
        Median
      </Typography>
      <Typography component="dd" sx={{ m: 0, fontSize: "1.4rem", fontWeight: 600 }}>
        {formatDuration(stats.median_seconds)}
      </Typography>
      <Typography component="dt" color="text.secondary">
        90th percentile
      </Typography>
      <Typography component="dd" sx={{ m: 0, fontWeight: 600 }}>
        {formatDuration(stats.p90_seconds)}
      </Typography>
      <Typography component="dt" color="text.secondary">
        Conversations
      </Typography>
      <Typography component="dd" sx={{ m: 0 }}>
        {stats.count.toLocaleString("en")}
      </Typography>
    </Box>
  );
}

export function FirstResponseCard({ o }: { o: Overview }) {
  return (
    <Stat id="first-response" title="First response time">
      <Durations stats={o.first_response} noun="replied conversations" />
    </Stat>
  );
}

export function ResolutionCard({ o }: { o: Overview }) {
  return (
    <Stat id="resolution" title="Resolution time">
      <Durations stats={o.resolution} noun="resolved conversations" />
    </Stat>
  );
}

export function AutomationCard({ o }: { o: Overview }) {
  const a = o.automation_rate;
  return (
    <Stat id="automation" title="Automation rate">
      {a.inbound ? (
        <>
          <Typography sx={{ fontSize: "1.4rem", fontWeight: 600 }}>
            {formatPercent(a.rate)}
          </Typography>
          <Typography variant="body2" color="text.secondary">
            {a.approved.toLocaleString("en")} of {a.inbound.toLocaleString("en")} inbound messages
            answered with an approved AI draft ({a.drafted.toLocaleString("en")} drafted)
          </Typography>
        </>
      ) : (
        <Typography color="text.secondary">No inbound messages in this range</Typography>
      )}
    </Stat>
  );
}
