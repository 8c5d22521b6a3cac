// Create an API key: a name, the scopes it carries (at most what the creator holds) and an
// optional expiry. The key itself is shown once, here, and never again.
import {
  Alert,
  Box,
  Button,
  Checkbox,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControl,
  FormControlLabel,
  FormHelperText,
  FormLabel,
  Stack,
  TextField,
} from "@mui/material";
import { useState } from "react";
import { errorMessage } from "../../api/client";
import { useAuth } from "../../auth/store";
import { useCreateApiKey, type ApiKeyCreated } from "./queries";
import { CopyField, type Notify } from "./ui";

// The API's default for a machine client: post messages, classify, call the LLM routes.
const DEFAULT_SCOPES = ["inbound", "classify", "llm"];

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export function CreateKeyDialog({
  open,
  onClose,
  notify,
}: {
  open: boolean;
  onClose: () => void;
  notify: Notify;
}) {
  const held = useAuth((s) => s.permissions);
  const scopes = [...held].sort();
  const create = useCreateApiKey();
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<string[]>(() =>
    DEFAULT_SCOPES.filter((s) => held.includes(s)),
  );
  const [expires, setExpires] = useState("");
  const [errors, setErrors] = useState<{ name?: string; scopes?: string; expires?: string }>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);

  const close = () => {
    setCreated(null); // shown once: the key leaves memory with the dialog
    setName("");
    setChosen(DEFAULT_SCOPES.filter((s) => held.includes(s)));
    setExpires("");
    setErrors({});
    setFailure(null);
    onClose();
  };

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const found: typeof errors = {};
    if (!name.trim()) found.name = "Name the key (what uses it?)";
    if (!chosen.length) found.scopes = "Choose at least one scope";
    if (expires && expires <= today()) found.expires = "Choose a date after today";
    setErrors(found);
    if (Object.keys(found).length) return;
    setFailure(null);
    create.mutate(
      { name: name.trim(), scopes: chosen, expires_at: expires ? `${expires}T23:59:59Z` : null },
      {
        onSuccess: (key) => {
          setCreated(key);
          notify("success", `Created the key “${key.name}”.`);
        },
        onError: (error) => setFailure(errorMessage(error)),
      },
    );
  };

  if (created) {
    return (
      <Dialog
        open={open}
        onClose={close}
        fullWidth
        maxWidth="sm"
        aria-labelledby="key-created-title"
      >
        <DialogTitle id="key-created-title">Your new API key</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            <Alert severity="warning">
              Copy this key now and keep it somewhere safe. It will not be shown again: Switchboard
              stores only a hash of it.
            </Alert>
            <CopyField label="API key" value={created.key} testId="api-key-secret" />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button variant="contained" onClick={close}>
            I have copied it
          </Button>
        </DialogActions>
      </Dialog>
    );
  }

  return (
    <Dialog open={open} onClose={close} fullWidth maxWidth="sm">
      <form noValidate onSubmit={submit}>
        <DialogTitle>Create API key</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            {failure ? <Alert severity="error">{failure}</Alert> : null}
            <TextField
              label="Name"
              autoFocus
              value={name}
              onChange={(e) => setName(e.target.value)}
              error={!!errors.name}
              helperText={errors.name ?? "For example: website widget, CRM sync"}
              slotProps={{ htmlInput: { maxLength: 200 } }}
            />
            <FormControl component="fieldset" error={!!errors.scopes}>
              <FormLabel component="legend">Scopes</FormLabel>
              <Box sx={{ display: "grid", gridTemplateColumns: { sm: "1fr 1fr" } }}>
                {scopes.map((s) => (
                  <FormControlLabel
                    key={s}
                    label={<Box component="code">{s}</Box>}
                    control={
                      <Checkbox
                        size="small"
                        checked={chosen.includes(s)}
                        onChange={(e) =>
                          setChosen(
                            e.target.checked ? [...chosen, s] : chosen.filter((c) => c !== s),
                          )
                        }
                        slotProps={{ input: { "aria-label": s } }}
                      />
                    }
                  />
                ))}
              </Box>
              <FormHelperText>
                {errors.scopes ?? "A key can carry only scopes you hold yourself."}
              </FormHelperText>
            </FormControl>
            <TextField
              label="Expires on (optional)"
              type="date"
              value={expires}
              onChange={(e) => setExpires(e.target.value)}
              error={!!errors.expires}
              helperText={errors.expires ?? "Leave empty for a key that does not expire"}
              slotProps={{ inputLabel: { shrink: true }, htmlInput: { min: today() } }}
            />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={close}>Cancel</Button>
          <Button type="submit" variant="contained" disabled={create.isPending}>
            Create key
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
