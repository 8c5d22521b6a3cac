// Small pieces the settings tabs share: a notice snackbar, a copy-once secret, a confirmation.
import ContentCopyIcon from "@mui/icons-material/ContentCopy";
import {
  Alert,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  IconButton,
  InputAdornment,
  Snackbar,
  TextField,
  Tooltip,
} from "@mui/material";
import { useCallback, useState, type ReactNode } from "react";

export type Notify = (severity: "success" | "error" | "info", text: string) => void;

export function useNotice(): [ReactNode, Notify] {
  const [notice, setNotice] = useState<{
    severity: "success" | "error" | "info";
    text: string;
  } | null>(null);
  const notify = useCallback<Notify>((severity, text) => setNotice({ severity, text }), []);
  const node = (
    <Snackbar open={!!notice} autoHideDuration={6000} onClose={() => setNotice(null)}>
      {notice ? (
        <Alert severity={notice.severity} variant="filled" onClose={() => setNotice(null)}>
          {notice.text}
        </Alert>
      ) : undefined}
    </Snackbar>
  );
  return [node, notify];
}

/** A value shown once (an API key, an invitation link), with a copy button. */
export function CopyField({
  label,
  value,
  testId,
}: {
  label: string;
  value: string;
  testId: string;
}) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied("yes");
    } catch {
      setCopied("no");
    }
  };
  return (
    <TextField
      label={label}
      value={value}
      fullWidth
      helperText={
        copied === "yes"
          ? "Copied to the clipboard"
          : copied === "no"
            ? "Could not copy: select the text and copy it"
            : " "
      }
      slotProps={{
        htmlInput: {
          readOnly: true,
          "data-testid": testId,
          onFocus: (e: React.FocusEvent<HTMLInputElement>) => e.target.select(),
        },
        input: {
          sx: { fontFamily: "monospace" },
          endAdornment: (
            <InputAdornment position="end">
              <Tooltip title="Copy">
                <IconButton
                  aria-label={`Copy ${label.toLowerCase()}`}
                  onClick={() => void copy()}
                  edge="end"
                >
                  <ContentCopyIcon />
                </IconButton>
              </Tooltip>
            </InputAdornment>
          ),
        },
      }}
    />
  );
}

export function ConfirmDialog({
  open,
  title,
  children,
  confirm,
  pending,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirm: string;
  pending: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Dialog open={open} onClose={onCancel}>
      <DialogTitle>{title}</DialogTitle>
      <DialogContent>
        <DialogContentText component="div">{children}</DialogContentText>
      </DialogContent>
      <DialogActions>
        <Button onClick={onCancel}>Cancel</Button>
        <Button color="error" variant="contained" onClick={onConfirm} disabled={pending}>
          {confirm}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

export function AdminsOnly({ what }: { what: string }) {
  return (
    <Alert severity="info" data-testid="admins-only">
      Only admins can see {what}. Ask an admin of your organization if you need access.
    </Alert>
  );
}

export function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : "—";
}
