// One version's held-out evaluation: the per-class report and the confusion matrix.
import CloseIcon from "@mui/icons-material/Close";
import {
  Box,
  IconButton,
  Paper,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  Typography,
} from "@mui/material";
import { Empty, QueryState } from "../../components/PageState";
import { ConfusionMatrix } from "./ConfusionMatrix";
import { percent } from "./modelData";
import { useVersionDetails } from "./queries";

export function VersionDetails({
  name,
  version,
  onClose,
}: {
  name: string;
  version: string;
  onClose: () => void;
}) {
  const query = useVersionDetails(name, version);
  return (
    <Paper
      component="section"
      aria-labelledby={`details-${name}`}
      sx={{ p: 2, mt: 2 }}
      data-testid="version-details"
    >
      <Box sx={{ display: "flex", alignItems: "center", mb: 1 }}>
        <Typography id={`details-${name}`} variant="h3" component="h3" sx={{ flex: 1 }}>
          Evaluation of {name} v{version}
        </Typography>
        <IconButton aria-label="Close the details" onClick={onClose}>
          <CloseIcon />
        </IconButton>
      </Box>
      <QueryState query={query} loadingLabel="Loading the evaluation…">
        {(details) => {
          if (!details.confusion && !details.report?.length)
            return (
              <Empty title="No evaluation logged for this version">
                The shipped default, and versions trained before evaluations were logged, have
                headline metrics only.
              </Empty>
            );
          const split = details.split ? `the ${details.split} split` : "the held-out split";
          const report = [...(details.report ?? [])].sort((a, b) => a.f1 - b.f1);
          return (
            <Box sx={{ display: "grid", gap: 3, gridTemplateColumns: { lg: "minmax(0,2fr) 1fr" } }}>
              {details.confusion ? (
                <ConfusionMatrix
                  confusion={details.confusion}
                  caption={`Confusion matrix of v${version} on ${split}`}
                />
              ) : (
                <Empty title="No confusion matrix logged" />
              )}
              {report.length ? (
                <TableContainer sx={{ maxHeight: 560 }}>
                  <Table size="small" stickyHeader aria-label={`Per-class report of v${version}`}>
                    <TableHead>
                      <TableRow>
                        <TableCell>Label (worst F1 first)</TableCell>
                        <TableCell align="right">Precision</TableCell>
                        <TableCell align="right">Recall</TableCell>
                        <TableCell align="right">F1</TableCell>
                        <TableCell align="right">Support</TableCell>
                      </TableRow>
                    </TableHead>
                    <TableBody>
                      {report.map((row) => (
                        <TableRow key={row.label}>
                          <TableCell component="th" scope="row">
                            {row.label}
                          </TableCell>
                          <TableCell align="right">{percent(row.precision)}</TableCell>
                          <TableCell align="right">{percent(row.recall)}</TableCell>
                          <TableCell align="right">{percent(row.f1)}</TableCell>
                          <TableCell align="right">{row.support}</TableCell>
                        </TableRow>
                      ))}
                    </TableBody>
                  </Table>
                </TableContainer>
              ) : null}
            </Box>
          );
        }}
      </QueryState>
    </Paper>
  );
}
