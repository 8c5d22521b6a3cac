// Roll the champion back: to the champion before this one (the API's default), or to a version.
import {
  Alert,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  MenuItem,
  TextField,
} from "@mui/material";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, errorMessage, unwrap } from "../../api/client";
import { sortVersions, type RegisteredModel } from "./modelData";
import { keys } from "./queries";

const PREVIOUS = "previous";

export function RollbackDialog({
  model,
  previous,
  onClose,
  onDone,
}: {
  model: RegisteredModel;
  /** the version the API goes back to by default, when it can be told from the history */
  previous: string | null;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const client = useQueryClient();
  const [target, setTarget] = useState(PREVIOUS);
  const rollback = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/v1/models/{name}/rollback", {
          params: { path: { name: model.name } },
          body: target === PREVIOUS ? {} : { version: target },
        }),
      ),
    onSuccess: (promotion) => {
      void client.invalidateQueries({ queryKey: keys.models });
      onDone(
        `Rolled back: version ${promotion.to_version} is serving (was ${promotion.from_version})`,
      );
      onClose();
    },
  });
  const others = sortVersions(model.versions).filter((v) => v.version !== model.champion);
  const close = () => {
    if (!rollback.isPending) onClose();
  };
  return (
    <Dialog open onClose={close} maxWidth="xs" fullWidth aria-labelledby="rollback-title">
      <DialogTitle id="rollback-title">Roll back {model.name}?</DialogTitle>
      <DialogContent>
        {rollback.isError ? (
          <Alert severity="error" sx={{ mb: 2 }}>
            {errorMessage(rollback.error)}
          </Alert>
        ) : null}
        <DialogContentText sx={{ mb: 2 }}>
          Version {model.champion} serves now. The champion moves at once, with no gate and no
          failed request.
        </DialogContentText>
        <TextField
          select
          fullWidth
          label="Roll back to"
          value={target}
          onChange={(e) => setTarget(e.target.value)}
        >
          <MenuItem value={PREVIOUS}>
            {previous ? `The previous champion (v${previous})` : "The previous champion"}
          </MenuItem>
          {others.map((v) => (
            <MenuItem key={v.version} value={v.version}>
              Version {v.version}
            </MenuItem>
          ))}
        </TextField>
      </DialogContent>
      <DialogActions>
        <Button onClick={close} disabled={rollback.isPending}>
          Cancel
        </Button>
        <Button
          variant="contained"
          color="warning"
          onClick={() => rollback.mutate()}
          disabled={rollback.isPending}
        >
          {rollback.isPending ? "Rolling back…" : "Roll back"}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
