// Promote a version to champion through the gate: what the gate will check, then its decision
// (the numbers when it refuses; admins may promote anyway, which the API records as forced).
import {
  Alert,
  AlertTitle,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from "@mui/material";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, errorMessage, unwrap } from "../../api/client";
import { useAuth } from "../../auth/store";
import { GateNumbersTable } from "./GateNumbersTable";
import {
  formatMetric,
  gateNumbers,
  gateRefusal,
  gateSettings,
  type GateRefusal,
  metricLabel,
  metricText,
  METRICS,
  millis,
  type ModelVersion,
  type RegisteredModel,
} from "./modelData";
import { keys, useOrganization } from "./queries";

function GateRule({ model }: { model: RegisteredModel }) {
  const organization = useOrganization();
  const gate = gateSettings(organization.data?.settings);
  return (
    <DialogContentText sx={{ mb: 2 }}>
      The gate scores this version and{" "}
      {model.champion ? `the champion (v${model.champion})` : "the shipped default"} on the same
      held-out gate split. It promotes only if {metricLabel(gate.metric)} beats the champion by at
      least {gate.margin} and latency p95 is at most {millis(gate.max_latency_p95_ms)}
      {gate.configured ? " (this organization's gate)" : " (the default gate)"}. Scoring takes a few
      seconds.
    </DialogContentText>
  );
}

function Recorded({ version, champion }: { version: ModelVersion; champion?: ModelVersion }) {
  return (
    <Table size="small" aria-label="Recorded metrics">
      <TableHead>
        <TableRow>
          <TableCell component="th" scope="col">
            Recorded at training
          </TableCell>
          <TableCell component="th" scope="col" align="right">
            v{version.version}
          </TableCell>
          <TableCell component="th" scope="col" align="right">
            {champion ? `Champion v${champion.version}` : "Champion"}
          </TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {METRICS.map((spec) => (
          <TableRow key={spec.key}>
            <TableCell component="th" scope="row">
              {spec.label}
            </TableCell>
            <TableCell align="right">{formatMetric(version.metrics, spec)}</TableCell>
            <TableCell align="right">
              {champion ? formatMetric(champion.metrics, spec) : "—"}
            </TableCell>
          </TableRow>
        ))}
        <TableRow>
          <TableCell component="th" scope="row">
            Dataset
          </TableCell>
          <TableCell align="right">{metricText(version.metrics, "dataset") ?? "—"}</TableCell>
          <TableCell align="right">
            {champion ? (metricText(champion.metrics, "dataset") ?? "—") : "—"}
          </TableCell>
        </TableRow>
      </TableBody>
    </Table>
  );
}

export function PromoteDialog({
  model,
  version,
  onClose,
  onDone,
}: {
  model: RegisteredModel;
  version: ModelVersion;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const client = useQueryClient();
  const isAdmin = useAuth((s) => s.user?.role === "admin");
  // Kept while "Promote anyway" is pending, so the numbers stay on screen.
  const [refusal, setRefusal] = useState<GateRefusal | null>(null);
  const promote = useMutation({
    mutationFn: (force: boolean) =>
      unwrap(
        api.POST("/api/v1/models/{name}/promote", {
          params: { path: { name: model.name } },
          body: { version: version.version, force },
        }),
      ),
    onSuccess: (promotion) => {
      onDone(
        promotion.outcome === "forced"
          ? `Version ${promotion.to_version} promoted past the gate (forced)`
          : `Version ${promotion.to_version} is now serving`,
      );
    },
    onError: (error) => {
      const refused = gateRefusal(error);
      if (refused) setRefusal(refused);
    },
    // A refusal is recorded too: the history changes either way.
    onSettled: () => void client.invalidateQueries({ queryKey: keys.models }),
  });
  const champion = model.versions.find((v) => v.version === model.champion);
  const otherError =
    promote.isError && !gateRefusal(promote.error) ? errorMessage(promote.error) : null;
  const decided = promote.data;
  const decidedNumbers = decided ? gateNumbers(decided.numbers) : null;
  const close = () => {
    if (!promote.isPending) onClose();
  };

  return (
    <Dialog open onClose={close} maxWidth="sm" fullWidth aria-labelledby="promote-title">
      <DialogTitle id="promote-title">
        Promote {model.name} v{version.version} to champion?
      </DialogTitle>
      <DialogContent>
        {decided ? (
          <>
            <Alert severity={decided.outcome === "forced" ? "warning" : "success"} sx={{ mb: 2 }}>
              <AlertTitle>
                {decided.outcome === "forced" ? "Promoted past the gate" : "Gate passed: promoted"}
              </AlertTitle>
              {decided.reason}
            </Alert>
            {decidedNumbers ? <GateNumbersTable numbers={decidedNumbers} /> : null}
          </>
        ) : refusal ? (
          <>
            {otherError ? (
              <Alert severity="error" sx={{ mb: 2 }}>
                {otherError}
              </Alert>
            ) : null}
            <Alert severity="error" sx={{ mb: 2 }} data-testid="gate-refusal">
              <AlertTitle>{refusal.numbers ? "The gate refused" : "Cannot promote"}</AlertTitle>
              {refusal.reason}
            </Alert>
            {refusal.numbers ? <GateNumbersTable numbers={refusal.numbers} /> : null}
            {refusal.numbers && !isAdmin ? (
              <Typography variant="body2" color="text.secondary" sx={{ mt: 2 }}>
                Only an admin can promote a version past the gate.
              </Typography>
            ) : null}
          </>
        ) : (
          <>
            {otherError ? (
              <Alert severity="error" sx={{ mb: 2 }}>
                {otherError}
              </Alert>
            ) : null}
            <GateRule model={model} />
            <Recorded version={version} {...(champion ? { champion } : {})} />
          </>
        )}
      </DialogContent>
      <DialogActions>
        {decided ? (
          <Button variant="contained" onClick={onClose}>
            Done
          </Button>
        ) : (
          <>
            <Button onClick={close} disabled={promote.isPending}>
              Cancel
            </Button>
            {refusal?.numbers && isAdmin ? (
              <Button
                color="warning"
                variant="contained"
                onClick={() => promote.mutate(true)}
                disabled={promote.isPending}
              >
                {promote.isPending ? "Promoting…" : "Promote anyway"}
              </Button>
            ) : null}
            {!refusal ? (
              <Button
                variant="contained"
                onClick={() => promote.mutate(false)}
                disabled={promote.isPending}
              >
                {promote.isPending ? "Promoting…" : "Promote"}
              </Button>
            ) : null}
          </>
        )}
      </DialogActions>
    </Dialog>
  );
}
