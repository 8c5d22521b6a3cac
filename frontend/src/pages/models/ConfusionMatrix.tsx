// A confusion matrix as a heatmap that is a real table: rows are true labels, columns predicted
// labels, each cell its count (shade: the share of the row; diagonal green, mistakes red).
import { Box, MenuItem, TextField, Typography } from "@mui/material";
import { alpha, useTheme } from "@mui/material/styles";
import { useMemo, useState } from "react";
import { topConfused, type Confusion } from "./modelData";

const TOP_CHOICES = [10, 15, 20, 30, 50];
export const DEFAULT_TOP = 15;

const cellSx = {
  border: "1px solid",
  borderColor: "divider",
  px: 0.75,
  py: 0.25,
  textAlign: "center",
  fontVariantNumeric: "tabular-nums",
  minWidth: 32,
} as const;

export function ConfusionMatrix({ confusion, caption }: { confusion: Confusion; caption: string }) {
  const theme = useTheme();
  const many = confusion.labels.length > DEFAULT_TOP;
  const [top, setTop] = useState<number>(many ? DEFAULT_TOP : 0);
  const shown = useMemo(
    () => (top > 0 ? topConfused(confusion, top) : confusion),
    [confusion, top],
  );
  // Each true label's examples in the whole matrix, so filtering does not change the shades.
  const totals = useMemo(() => {
    const out = new Map<string, number>();
    confusion.labels.forEach((label, i) =>
      out.set(
        label,
        (confusion.matrix[i] ?? []).reduce((a, b) => a + b, 0),
      ),
    );
    return out;
  }, [confusion]);
  const rowTotals = shown.labels.map((label) => totals.get(label) ?? 0);

  return (
    <Box>
      {many ? (
        <TextField
          select
          size="small"
          label="Labels shown"
          value={top}
          onChange={(e) => setTop(Number(e.target.value))}
          sx={{ mb: 1, minWidth: 240 }}
        >
          {TOP_CHOICES.filter((n) => n < confusion.labels.length).map((n) => (
            <MenuItem key={n} value={n}>
              Top {n} most confused
            </MenuItem>
          ))}
          <MenuItem value={0}>All {confusion.labels.length} labels</MenuItem>
        </TextField>
      ) : null}
      <Box sx={{ overflow: "auto", maxHeight: 560 }}>
        <Box
          component="table"
          data-testid="confusion-matrix"
          sx={{ borderCollapse: "collapse", fontSize: 12 }}
        >
          <caption style={{ captionSide: "top", textAlign: "left", paddingBottom: 4 }}>
            {caption} — rows: true label, columns: predicted label
          </caption>
          <thead>
            <tr>
              <Box component="th" scope="col" sx={{ ...cellSx, textAlign: "left" }}>
                True \ predicted
              </Box>
              {shown.labels.map((label) => (
                <Box
                  component="th"
                  scope="col"
                  key={label}
                  sx={{
                    ...cellSx,
                    writingMode: "vertical-rl",
                    transform: "rotate(180deg)",
                    whiteSpace: "nowrap",
                    fontWeight: 500,
                  }}
                >
                  {label}
                </Box>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.labels.map((label, i) => (
              <tr key={label}>
                <Box
                  component="th"
                  scope="row"
                  sx={{ ...cellSx, textAlign: "left", whiteSpace: "nowrap", fontWeight: 500 }}
                >
                  {label}
                </Box>
                {shown.labels.map((predicted, j) => {
                  const count = shown.matrix[i]?.[j] ?? 0;
                  const share = rowTotals[i] ? count / (rowTotals[i] ?? 1) : 0;
                  const hue = i === j ? theme.palette.success.main : theme.palette.error.main;
                  return (
                    <Box
                      component="td"
                      key={predicted}
                      sx={{
                        ...cellSx,
                        bgcolor: count ? alpha(hue, 0.12 + 0.88 * share) : undefined,
                        color: share > 0.55 ? "common.white" : "text.primary",
                        fontWeight: i !== j && count ? 700 : 400,
                      }}
                    >
                      {count}
                    </Box>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </Box>
      </Box>
      <Typography variant="caption" color="text.secondary">
        Shade: the share of the true label&apos;s examples. Green cells on the diagonal are right;
        red bold cells are mistakes.
      </Typography>
    </Box>
  );
}
