// The audit log: who did what, to what, when and from where. Newest first, 50 at a time.
import KeyboardArrowDownIcon from "@mui/icons-material/KeyboardArrowDown";
import KeyboardArrowUpIcon from "@mui/icons-material/KeyboardArrowUp";
import {
  Box,
  Button,
  Collapse,
  IconButton,
  MenuItem,
  Paper,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  TextField,
} from "@mui/material";
import { Fragment, useState } from "react";
import { useCan } from "../../auth/store";
import { Empty, QueryState } from "../../components/PageState";
import {
  useAllUsers,
  useAuditLog,
  type AuditEntry,
  type AuditFilters,
  type UserRead,
} from "./queries";
import { AdminsOnly, when } from "./ui";
import { LoadMore } from "../../components/LoadMore";

function actorOf(entry: AuditEntry, users: Map<string, UserRead>): string {
  if (entry.actor_user_id) {
    const user = users.get(entry.actor_user_id);
    return user ? `${user.name} (${user.email})` : `User ${entry.actor_user_id.slice(0, 8)}`;
  }
  if (entry.actor_api_key_id) return `API key ${entry.actor_api_key_id.slice(0, 8)}`;
  return "System";
}

function targetOf(entry: AuditEntry): string {
  if (!entry.target_type) return "—";
  return entry.target_id ? `${entry.target_type} ${entry.target_id}` : entry.target_type;
}

function Row({ entry, users }: { entry: AuditEntry; users: Map<string, UserRead> }) {
  const [open, setOpen] = useState(false);
  const hasDetails = Object.keys(entry.details).length > 0 || !!entry.user_agent;
  return (
    <Fragment>
      <TableRow data-testid="audit-row">
        <TableCell sx={{ whiteSpace: "nowrap" }}>{when(entry.created_at)}</TableCell>
        <TableCell>{actorOf(entry, users)}</TableCell>
        <TableCell>
          <code>{entry.action}</code>
        </TableCell>
        <TableCell sx={{ wordBreak: "break-all" }}>{targetOf(entry)}</TableCell>
        <TableCell>{entry.ip ?? "—"}</TableCell>
        <TableCell padding="checkbox">
          {hasDetails ? (
            <IconButton
              size="small"
              aria-label={open ? "Hide details" : "Show details"}
              aria-expanded={open}
              onClick={() => setOpen(!open)}
            >
              {open ? <KeyboardArrowUpIcon /> : <KeyboardArrowDownIcon />}
            </IconButton>
          ) : null}
        </TableCell>
      </TableRow>
      {open ? (
        <TableRow>
          <TableCell colSpan={6} sx={{ bgcolor: "action.hover" }}>
            <Collapse in={open}>
              <Box component="pre" sx={{ m: 0, fontSize: 12, whiteSpace: "pre-wrap" }}>
                {JSON.stringify(entry.details, null, 2)}
                {entry.user_agent ? `\nUser agent: ${entry.user_agent}` : ""}
                {entry.request_id ? `\nRequest: ${entry.request_id}` : ""}
              </Box>
            </Collapse>
          </TableCell>
        </TableRow>
      ) : null}
    </Fragment>
  );
}

export function AuditLogTab() {
  const canRead = useCan("read:audit");
  const canListUsers = useCan("read:users");
  const [draft, setDraft] = useState<AuditFilters>({ action: "", actor: "" });
  const [filters, setFilters] = useState<AuditFilters>({ action: "", actor: "" });
  const query = useAuditLog(filters, canRead);
  const users = useAllUsers(canRead && canListUsers);
  if (!canRead) return <AdminsOnly what="the audit log" />;
  const byId = new Map((users.data ?? []).map((u) => [u.id, u]));
  const filtered = !!(filters.action || filters.actor);

  return (
    <Box>
      <Stack
        component="form"
        direction={{ xs: "column", sm: "row" }}
        spacing={2}
        sx={{ mb: 2 }}
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters({ action: draft.action.trim(), actor: draft.actor });
        }}
      >
        <TextField
          label="Action"
          size="small"
          placeholder="e.g. user.create"
          value={draft.action}
          onChange={(e) => setDraft({ ...draft, action: e.target.value })}
          slotProps={{ htmlInput: { maxLength: 80 } }}
        />
        <TextField
          select
          label="Actor"
          size="small"
          value={draft.actor}
          onChange={(e) => setDraft({ ...draft, actor: e.target.value })}
          sx={{ minWidth: 220 }}
        >
          <MenuItem value="">Anyone</MenuItem>
          {(users.data ?? []).map((u) => (
            <MenuItem key={u.id} value={u.id}>
              {u.name}
            </MenuItem>
          ))}
        </TextField>
        <Button type="submit" variant="outlined">
          Apply filters
        </Button>
        {filtered ? (
          <Button
            onClick={() => {
              setDraft({ action: "", actor: "" });
              setFilters({ action: "", actor: "" });
            }}
          >
            Clear filters
          </Button>
        ) : null}
      </Stack>
      <QueryState query={query} loadingLabel="Loading the audit log…">
        {(data) => {
          const entries = data.pages.flatMap((p) => p.items);
          if (!entries.length) {
            return (
              <Paper>
                <Empty
                  title={filtered ? "Nothing matches these filters" : "Nothing recorded yet"}
                />
              </Paper>
            );
          }
          return (
            <>
              <TableContainer component={Paper}>
                <Table aria-label="Audit log" size="small">
                  <TableHead>
                    <TableRow>
                      <TableCell>Time</TableCell>
                      <TableCell>Actor</TableCell>
                      <TableCell>Action</TableCell>
                      <TableCell>Target</TableCell>
                      <TableCell>IP</TableCell>
                      <TableCell>Details</TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {entries.map((entry) => (
                      <Row key={entry.id} entry={entry} users={byId} />
                    ))}
                  </TableBody>
                </Table>
              </TableContainer>
              <LoadMore query={query} />
            </>
          );
        }}
      </QueryState>
    </Box>
  );
}
