import {
  Alert,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
} from "@mui/material";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, errorMessage, unwrap } from "../../api/client";
import type { Integration } from "./types";

export function ConfirmDelete({
  integration,
  onClose,
  onDeleted,
}: {
  integration: Integration;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const client = useQueryClient();
  const remove = useMutation({
    mutationFn: () =>
      unwrap(
        api.DELETE("/api/v1/integrations/{integration_id}", {
          params: { path: { integration_id: integration.id } },
        }),
      ),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["integrations"] });
      onDeleted();
    },
  });
  return (
    <Dialog open onClose={remove.isPending ? undefined : onClose} aria-labelledby="delete-title">
      <DialogTitle id="delete-title">Delete {integration.name}?</DialogTitle>
      <DialogContent>
        <DialogContentText>
          Switchboard stops receiving and sending through this integration, and its stored
          credentials are erased. Conversations already imported are kept.
        </DialogContentText>
        {remove.isError ? (
          <Alert severity="error" role="alert" sx={{ mt: 2 }}>
            {errorMessage(remove.error)}
          </Alert>
        ) : null}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={remove.isPending}>
          Cancel
        </Button>
        <Button
          color="error"
          variant="contained"
          onClick={() => remove.mutate()}
          disabled={remove.isPending}
        >
          {remove.isPending ? "Deleting…" : "Delete"}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
