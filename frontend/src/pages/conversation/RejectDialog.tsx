// Rejecting a draft asks why: the reason is kept with the draft for whoever tunes the prompts.
import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  TextField,
} from "@mui/material";
import { useState } from "react";

const MAX_REASON = 500;

export function RejectDialog({
  pending,
  onClose,
  onReject,
}: {
  pending: boolean;
  onClose: () => void;
  onReject: (reason: string) => void;
}) {
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = () => {
    const text = reason.trim();
    if (!text) {
      setError("Enter a reason for rejecting this draft");
      return;
    }
    onReject(text);
  };
  return (
    <Dialog open onClose={onClose} aria-labelledby="reject-title" fullWidth maxWidth="sm">
      <DialogTitle id="reject-title">Reject draft</DialogTitle>
      <DialogContent>
        <TextField
          autoFocus
          required
          label="Reason"
          placeholder="e.g. wrong refund amount, tone too casual"
          value={reason}
          onChange={(e) => {
            setReason(e.target.value);
            setError(null);
          }}
          error={!!error}
          helperText={error ?? "Nothing is sent to the customer."}
          multiline
          minRows={2}
          fullWidth
          sx={{ mt: 1 }}
          slotProps={{ htmlInput: { maxLength: MAX_REASON } }}
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button color="error" variant="contained" onClick={submit} disabled={pending}>
          {pending ? "Rejecting…" : "Reject draft"}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
