// Every promotion decision of one model, refusals included, with the gate's numbers.
import {
  Box,
  Button,
  Chip,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  Typography,
} from "@mui/material";
import { Fragment, useState } from "react";
import { Empty, QueryState } from "../../components/PageState";
import { GateNumbersTable } from "./GateNumbersTable";
import { gateNumbers, type Promotion } from "./modelData";
import { usePromotions } from "./queries";

const OUTCOME_COLOR: Record<string, "success" | "warning" | "error" | "info"> = {
  promoted: "success",
  forced: "warning",
  refused: "error",
  rolled_back: "info",
};

function Row({ promotion }: { promotion: Promotion }) {
  const [open, setOpen] = useState(false);
  const numbers = gateNumbers(promotion.numbers);
  return (
    <Fragment>
      <TableRow>
        <TableCell>{new Date(promotion.created_at).toLocaleString()}</TableCell>
        <TableCell>{promotion.action}</TableCell>
        <TableCell>
          <Chip
            size="small"
            label={promotion.outcome.replace("_", " ")}
            color={OUTCOME_COLOR[promotion.outcome] ?? "default"}
          />
        </TableCell>
        <TableCell>
          {promotion.from_version ? `v${promotion.from_version}` : "default"} → v
          {promotion.to_version}
        </TableCell>
        <TableCell sx={{ maxWidth: 360 }}>{promotion.reason ?? "—"}</TableCell>
        <TableCell>
          {numbers ? (
            <Button
              size="small"
              aria-expanded={open}
              onClick={() => setOpen((o) => !o)}
              aria-label={`${open ? "Hide" : "Show"} gate numbers of ${promotion.action} to v${promotion.to_version}`}
            >
              {open ? "Hide numbers" : "Numbers"}
            </Button>
          ) : null}
        </TableCell>
      </TableRow>
      {open && numbers ? (
        <TableRow>
          <TableCell colSpan={6}>
            <Box sx={{ maxWidth: 640 }}>
              <GateNumbersTable numbers={numbers} />
            </Box>
          </TableCell>
        </TableRow>
      ) : null}
    </Fragment>
  );
}

export function PromotionHistory({ name }: { name: string }) {
  const query = usePromotions(name);
  return (
    <Box component="section" aria-labelledby={`history-${name}`} sx={{ mt: 3 }}>
      <Typography id={`history-${name}`} variant="h3" component="h3" gutterBottom>
        Promotion history
      </Typography>
      <QueryState query={query} loadingLabel="Loading promotion history…">
        {(data) => {
          const items = data.pages.flatMap((p) => p.items);
          if (!items.length) return <Empty title="No promotions or rollbacks yet" />;
          return (
            <>
              <TableContainer>
                <Table size="small" aria-label={`Promotion history of ${name}`}>
                  <TableHead>
                    <TableRow>
                      <TableCell>When</TableCell>
                      <TableCell>Action</TableCell>
                      <TableCell>Outcome</TableCell>
                      <TableCell>Champion</TableCell>
                      <TableCell>Reason</TableCell>
                      <TableCell>Gate</TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {items.map((p) => (
                      <Row key={p.id} promotion={p} />
                    ))}
                  </TableBody>
                </Table>
              </TableContainer>
              {query.hasNextPage ? (
                <Button
                  onClick={() => void query.fetchNextPage()}
                  disabled={query.isFetchingNextPage}
                >
                  {query.isFetchingNextPage ? "Loading…" : "Show older decisions"}
                </Button>
              ) : null}
            </>
          );
        }}
      </QueryState>
    </Box>
  );
}
