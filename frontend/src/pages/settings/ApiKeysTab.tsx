// API keys: machine credentials. The list shows each key's prefix only.
import KeyIcon from "@mui/icons-material/Key";
import {
  Box,
  Button,
  Chip,
  Paper,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  Tooltip,
  Typography,
} from "@mui/material";
import { useState } from "react";
import { errorMessage } from "../../api/client";
import { useCan } from "../../auth/store";
import { Empty, QueryState } from "../../components/PageState";
import { CreateKeyDialog } from "./CreateKeyDialog";
import { useApiKeys, useRevokeApiKey, type ApiKeyRead } from "./queries";
import { AdminsOnly, ConfirmDialog, useNotice, when } from "./ui";
import { LoadMore } from "../../components/LoadMore";

function status(key: ApiKeyRead): { label: string; color: "success" | "default" | "warning" } {
  if (key.revoked_at) return { label: "Revoked", color: "default" };
  if (key.expires_at && new Date(key.expires_at) < new Date())
    return { label: "Expired", color: "warning" };
  return { label: "Active", color: "success" };
}

const SHOWN = 4;

export function ApiKeysTab() {
  const canRead = useCan("read:api_keys");
  const canWrite = useCan("write:api_keys");
  const query = useApiKeys(canRead);
  const revoke = useRevokeApiKey();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKeyRead | null>(null);
  const [notice, notify] = useNotice();

  if (!canRead) return <AdminsOnly what="API keys" />;

  const onRevoke = () => {
    if (!revoking) return;
    const key = revoking;
    revoke.mutate(key.id, {
      onSuccess: () => {
        setRevoking(null);
        notify("success", `Revoked “${key.name}”. Requests with it are refused from now on.`);
      },
      onError: (e) => notify("error", `Could not revoke “${key.name}”: ${errorMessage(e)}`),
    });
  };

  return (
    <Box>
      <Stack direction="row" spacing={2} sx={{ mb: 2 }} alignItems="center">
        <Typography color="text.secondary" sx={{ flex: 1 }}>
          Keys let other systems post messages, classify text and call the LLM routes. Send one as{" "}
          <code>Authorization: Bearer sb_…</code>.
        </Typography>
        {canWrite ? (
          <Button variant="contained" startIcon={<KeyIcon />} onClick={() => setCreating(true)}>
            Create API key
          </Button>
        ) : null}
      </Stack>
      <QueryState query={query} loadingLabel="Loading API keys…">
        {(data) => {
          const keys = data.pages.flatMap((p) => p.items);
          if (!keys.length) {
            return (
              <Paper>
                <Empty title="No API keys yet">
                  Create one for each system that calls Switchboard.
                </Empty>
              </Paper>
            );
          }
          return (
            <>
              <TableContainer component={Paper}>
                <Table aria-label="API keys">
                  <TableHead>
                    <TableRow>
                      <TableCell>Name</TableCell>
                      <TableCell>Key</TableCell>
                      <TableCell>Scopes</TableCell>
                      <TableCell>Created</TableCell>
                      <TableCell>Last used</TableCell>
                      <TableCell>Expires</TableCell>
                      <TableCell>Status</TableCell>
                      {canWrite ? <TableCell>Manage</TableCell> : null}
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {keys.map((k) => {
                      const s = status(k);
                      return (
                        <TableRow key={k.id} data-testid="api-key-row">
                          <TableCell>{k.name}</TableCell>
                          <TableCell>
                            <Box component="code" data-testid="api-key-prefix">
                              {k.prefix}…
                            </Box>
                          </TableCell>
                          <TableCell>
                            <Stack
                              direction="row"
                              spacing={0.5}
                              sx={{ flexWrap: "wrap", gap: 0.5 }}
                            >
                              {k.scopes.slice(0, SHOWN).map((scope) => (
                                <Chip key={scope} size="small" variant="outlined" label={scope} />
                              ))}
                              {k.scopes.length > SHOWN ? (
                                <Tooltip title={k.scopes.slice(SHOWN).join(", ")}>
                                  <Chip
                                    size="small"
                                    label={`+${k.scopes.length - SHOWN} more`}
                                    tabIndex={0}
                                  />
                                </Tooltip>
                              ) : null}
                            </Stack>
                          </TableCell>
                          <TableCell>{when(k.created_at)}</TableCell>
                          <TableCell>{k.last_used_at ? when(k.last_used_at) : "Never"}</TableCell>
                          <TableCell>{k.expires_at ? when(k.expires_at) : "Never"}</TableCell>
                          <TableCell>
                            <Chip size="small" color={s.color} label={s.label} />
                          </TableCell>
                          {canWrite ? (
                            <TableCell>
                              {!k.revoked_at ? (
                                <Button
                                  size="small"
                                  color="error"
                                  onClick={() => setRevoking(k)}
                                  aria-label={`Revoke ${k.name}`}
                                >
                                  Revoke
                                </Button>
                              ) : null}
                            </TableCell>
                          ) : null}
                        </TableRow>
                      );
                    })}
                  </TableBody>
                </Table>
              </TableContainer>
              <LoadMore query={query} />
            </>
          );
        }}
      </QueryState>
      {canWrite ? (
        <CreateKeyDialog open={creating} onClose={() => setCreating(false)} notify={notify} />
      ) : null}
      <ConfirmDialog
        open={!!revoking}
        title={`Revoke “${revoking?.name ?? ""}”?`}
        confirm="Revoke key"
        pending={revoke.isPending}
        onConfirm={onRevoke}
        onCancel={() => setRevoking(null)}
      >
        Every system using the key <code>{revoking?.prefix}…</code> stops working at once. This
        cannot be undone.
      </ConfirmDialog>
      {notice}
    </Box>
  );
}
