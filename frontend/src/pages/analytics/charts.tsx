// The Analytics page's charts, each with the same figures as a table.
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Legend,
  Pie,
  PieChart,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { ChartCard } from "./ChartCard";
import {
  draftSummary,
  fillRows,
  formatPercent,
  formatUsd,
  pivot,
  totalsBy,
  type Overview,
  type Row,
} from "./shape";

export const PALETTE = [
  "#1e4fd8",
  "#e8710a",
  "#12925c",
  "#6b3fd4",
  "#c5221f",
  "#00838f",
  "#b0680c",
  "#5f6368",
  "#d01884",
  "#3f51b5",
];
export const SENTIMENT_COLORS = { positive: "#2e7d32", neutral: "#9e9e9e", negative: "#c62828" };
const DRAFT_COLORS = ["#2e7d32", "#1e4fd8", "#c62828", "#9e9e9e", "#6d4c41"];

const color = (i: number) => PALETTE[i % PALETTE.length] ?? "#1e4fd8";
const range = (o: Overview) => ({ start: o.start, end: o.end, bucket: o.bucket });
const total = (row: Row, series: string[]) =>
  series.reduce((sum, s) => sum + (Number(row[s]) || 0), 0);

function StackedBars({
  rows,
  series,
  money = false,
}: {
  rows: Row[];
  series: string[];
  money?: boolean;
}) {
  return (
    <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
      <CartesianGrid strokeDasharray="3 3" vertical={false} />
      <XAxis dataKey="label" minTickGap={16} />
      <YAxis
        allowDecimals={money}
        tickFormatter={money ? (v: number) => formatUsd(v) : undefined}
      />
      <Tooltip formatter={money ? (v) => formatUsd(Number(v)) : undefined} />
      <Legend />
      {series.map((s, i) => (
        <Bar key={s} dataKey={s} name={s} stackId="a" fill={color(i)} isAnimationActive={false} />
      ))}
    </BarChart>
  );
}

export function VolumeChart({ o }: { o: Overview }) {
  const { rows, series } = pivot(o.volume, "channel", "count", range(o));
  const sum = o.volume.reduce((a, p) => a + p.count, 0);
  return (
    <ChartCard
      id="volume"
      title="Inbound volume by channel"
      summary={`${sum.toLocaleString("en")} messages`}
      empty={!o.volume.length}
      table={{
        columns: [o.bucket === "hour" ? "Hour (UTC)" : "Day (UTC)", ...series, "Total"],
        rows: rows.map((r) => [r.label, ...series.map((s) => Number(r[s])), total(r, series)]),
      }}
    >
      <StackedBars rows={rows} series={series} />
    </ChartCard>
  );
}

function Totals({
  id,
  title,
  items,
  noun,
}: {
  id: string;
  title: string;
  items: { name: string; value: number }[];
  noun: string;
}) {
  const sum = items.reduce((a, i) => a + i.value, 0);
  return (
    <ChartCard
      id={id}
      title={title}
      summary={`${sum.toLocaleString("en")} classified messages`}
      empty={!items.length}
      table={{
        columns: [noun, "Messages", "Share"],
        rows: items.map((i) => [i.name, i.value, sum ? formatPercent(i.value / sum) : "—"]),
      }}
    >
      <BarChart data={items} layout="vertical" margin={{ top: 0, right: 16, bottom: 0, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" horizontal={false} />
        <XAxis type="number" allowDecimals={false} />
        <YAxis type="category" dataKey="name" width={140} interval={0} />
        <Tooltip />
        <Bar dataKey="value" name="Messages" fill={PALETTE[0]} isAnimationActive={false} />
      </BarChart>
    </ChartCard>
  );
}

export function CategoryChart({ o }: { o: Overview }) {
  return (
    <Totals
      id="categories"
      title="By category"
      noun="Category"
      items={totalsBy(o.by_category, "category", "count")}
    />
  );
}

export function IntentChart({ o }: { o: Overview }) {
  return (
    <Totals
      id="intents"
      title="Top intents"
      noun="Intent"
      items={totalsBy(o.by_intent, "intent", "count").slice(0, 10)}
    />
  );
}

export function SentimentChart({ o }: { o: Overview }) {
  const rows = fillRows(o.sentiment, ["positive", "neutral", "negative"], range(o));
  const sums = { positive: 0, neutral: 0, negative: 0 };
  for (const p of o.sentiment) {
    sums.positive += p.positive;
    sums.neutral += p.neutral;
    sums.negative += p.negative;
  }
  const all = sums.positive + sums.neutral + sums.negative;
  return (
    <ChartCard
      id="sentiment"
      title="Sentiment trend"
      summary={all ? `${formatPercent(sums.negative / all)} negative overall` : undefined}
      empty={!o.sentiment.length}
      table={{
        columns: [
          o.bucket === "hour" ? "Hour (UTC)" : "Day (UTC)",
          "Positive",
          "Neutral",
          "Negative",
          "Negative share",
        ],
        rows: rows.map((r) => {
          const n = total(r, ["positive", "neutral", "negative"]);
          return [
            r.label,
            Number(r.positive),
            Number(r.neutral),
            Number(r.negative),
            n ? formatPercent(Number(r.negative) / n) : "—",
          ];
        }),
      }}
    >
      <AreaChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="label" minTickGap={16} />
        <YAxis allowDecimals={false} />
        <Tooltip />
        <Legend />
        {(["positive", "neutral", "negative"] as const).map((k) => (
          <Area
            key={k}
            type="monotone"
            dataKey={k}
            name={k[0]?.toUpperCase() + k.slice(1)}
            stackId="s"
            stroke={SENTIMENT_COLORS[k]}
            fill={SENTIMENT_COLORS[k]}
            fillOpacity={0.35}
            isAnimationActive={false}
          />
        ))}
      </AreaChart>
    </ChartCard>
  );
}

export function DraftChart({ o }: { o: Overview }) {
  const { slices, decided, acceptance, asIs } = draftSummary(o.drafts);
  const sum = slices.reduce((a, s) => a + s.value, 0);
  return (
    <ChartCard
      id="drafts"
      title="Draft acceptance"
      summary={
        acceptance === null
          ? `${sum} drafts, none decided yet`
          : `${formatPercent(acceptance)} accepted (${formatPercent(asIs ?? 0)} as-is) of ${decided} decided`
      }
      empty={sum === 0}
      table={{
        columns: ["Outcome", "Drafts", "Share"],
        rows: slices.map((s) => [s.name, s.value, sum ? formatPercent(s.value / sum) : "—"]),
      }}
    >
      <PieChart>
        <Pie
          data={slices.filter((s) => s.value > 0)}
          dataKey="value"
          nameKey="name"
          innerRadius="45%"
          outerRadius="80%"
          label={({ value }) => String(value)}
          isAnimationActive={false}
        >
          {slices
            .map((s, i) => ({ ...s, fill: DRAFT_COLORS[i] }))
            .filter((s) => s.value > 0)
            .map((s) => (
              <Cell key={s.name} fill={s.fill} />
            ))}
        </Pie>
        <Tooltip />
        <Legend />
      </PieChart>
    </ChartCard>
  );
}

export function SpendChart({ o }: { o: Overview }) {
  const { rows, series } = pivot(o.spend, "provider", "cost_usd", range(o));
  return (
    <ChartCard
      id="spend"
      title="AI spend by provider"
      summary={`Total ${formatUsd(o.total_usd)}`}
      empty={!o.spend.length}
      table={{
        columns: [o.bucket === "hour" ? "Hour (UTC)" : "Day (UTC)", ...series, "Total"],
        rows: rows.map((r) => [
          r.label,
          ...series.map((s) => formatUsd(Number(r[s]))),
          formatUsd(total(r, series)),
        ]),
      }}
    >
      <StackedBars rows={rows} series={series} money />
    </ChartCard>
  );
}
