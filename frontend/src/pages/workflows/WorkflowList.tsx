// The organization's workflows, in the order the engine runs them.
import DeleteOutlineIcon from "@mui/icons-material/DeleteOutline";
import {
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  FormControlLabel,
  Paper,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  Typography,
} from "@mui/material";
import { useState } from "react";
import { errorMessage } from "../../api/client";
import { useCan } from "../../auth/store";
import { Empty, QueryState } from "../../components/PageState";
import { normalizeDefinition, triggerLabel } from "./definition";
import { useDeleteWorkflow, useToggleWorkflow, useWorkflows, type WorkflowRead } from "./queries";
import { LoadMore } from "../../components/LoadMore";

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function WorkflowList({
  onOpen,
  notify,
}: {
  onOpen: (id: string) => void;
  notify: (severity: "success" | "error", text: string) => void;
}) {
  const canWrite = useCan("write:workflows");
  const query = useWorkflows();
  const toggle = useToggleWorkflow();
  const remove = useDeleteWorkflow();
  const [deleting, setDeleting] = useState<WorkflowRead | null>(null);

  const onToggle = (w: WorkflowRead, enabled: boolean) =>
    toggle.mutate(
      { id: w.id, enabled },
      {
        onSuccess: () => notify("success", `“${w.name}” ${enabled ? "enabled" : "disabled"}.`),
        onError: (e) => notify("error", `Could not change “${w.name}”: ${errorMessage(e)}`),
      },
    );
  const onDelete = () => {
    if (!deleting) return;
    const w = deleting;
    remove.mutate(w.id, {
      onSuccess: () => {
        setDeleting(null);
        notify("success", `Deleted “${w.name}”.`);
      },
      onError: (e) => notify("error", `Could not delete “${w.name}”: ${errorMessage(e)}`),
    });
  };

  return (
    <QueryState query={query} loadingLabel="Loading workflows…">
      {(data) => {
        const rows = data.pages.flatMap((p) => p.items);
        if (!rows.length) {
          return (
            <Paper>
              <Empty title="No workflows yet">
                {canWrite
                  ? "Create one to set priorities, assign, tag or request drafts as messages arrive."
                  : "An admin can create workflows that act on new messages."}
              </Empty>
            </Paper>
          );
        }
        return (
          <>
            <TableContainer component={Paper}>
              <Table aria-label="Workflows">
                <TableHead>
                  <TableRow>
                    <TableCell>Name</TableCell>
                    <TableCell>Enabled</TableCell>
                    <TableCell>Trigger</TableCell>
                    <TableCell>Steps</TableCell>
                    <TableCell align="right">Version</TableCell>
                    <TableCell>Updated</TableCell>
                    <TableCell>
                      <Box component="span" sx={{ position: "absolute", left: -9999 }}>
                        Actions
                      </Box>
                    </TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {rows.map((w) => {
                    const d = normalizeDefinition(w.definition);
                    return (
                      <TableRow key={w.id} data-testid="workflow-row" hover>
                        <TableCell>
                          <Typography fontWeight={600}>{w.name}</Typography>
                          {w.description ? (
                            <Typography variant="body2" color="text.secondary">
                              {w.description}
                            </Typography>
                          ) : null}
                        </TableCell>
                        <TableCell>
                          <FormControlLabel
                            control={
                              <Switch
                                checked={w.is_enabled}
                                disabled={!canWrite || toggle.isPending}
                                onChange={(e) => onToggle(w, e.target.checked)}
                                slotProps={{ input: { "aria-label": `Enable ${w.name}` } }}
                              />
                            }
                            label={w.is_enabled ? "On" : "Off"}
                          />
                        </TableCell>
                        <TableCell>{triggerLabel(d.trigger)}</TableCell>
                        <TableCell>
                          {plural(d.conditions.length, "condition")},{" "}
                          {plural(d.actions.length, "action")}
                          {d.conditions.length > 1 ? ` (match ${d.match})` : ""}
                        </TableCell>
                        <TableCell align="right">{w.version}</TableCell>
                        <TableCell>{new Date(w.updated_at).toLocaleString()}</TableCell>
                        <TableCell sx={{ whiteSpace: "nowrap" }}>
                          <Button
                            size="small"
                            onClick={() => onOpen(w.id)}
                            aria-label={`${canWrite ? "Edit" : "View"} ${w.name}`}
                          >
                            {canWrite ? "Edit" : "View"}
                          </Button>
                          {canWrite ? (
                            <Button
                              size="small"
                              color="error"
                              startIcon={<DeleteOutlineIcon />}
                              onClick={() => setDeleting(w)}
                              aria-label={`Delete ${w.name}`}
                            >
                              Delete
                            </Button>
                          ) : null}
                        </TableCell>
                      </TableRow>
                    );
                  })}
                </TableBody>
              </Table>
            </TableContainer>
            <LoadMore query={query} />
            <Dialog open={!!deleting} onClose={() => setDeleting(null)}>
              <DialogTitle>Delete “{deleting?.name}”?</DialogTitle>
              <DialogContent>
                <DialogContentText>
                  New messages will no longer run through this workflow. This cannot be undone.
                </DialogContentText>
              </DialogContent>
              <DialogActions>
                <Button onClick={() => setDeleting(null)}>Cancel</Button>
                <Button
                  color="error"
                  variant="contained"
                  onClick={onDelete}
                  disabled={remove.isPending}
                >
                  Delete workflow
                </Button>
              </DialogActions>
            </Dialog>
          </>
        );
      }}
    </QueryState>
  );
}
