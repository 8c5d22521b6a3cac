// Users: who is in the organization, with what role; admins invite, change roles, deactivate.
import PersonAddIcon from "@mui/icons-material/PersonAdd";
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
  TextField,
  Typography,
} from "@mui/material";
import { useEffect, useState } from "react";
import { errorMessage } from "../../api/client";
import { useAuth, useCan } from "../../auth/store";
import { Empty, QueryState } from "../../components/PageState";
import { EditUserDialog } from "./EditUserDialog";
import { InviteUserDialog } from "./InviteUserDialog";
import {
  GRANTABLE,
  ROLES,
  useDeactivateUser,
  useUpdateUser,
  useUsers,
  type UserRead,
} from "./queries";
import { ConfirmDialog, useNotice, when } from "./ui";
import { LoadMore } from "../../components/LoadMore";

const ROLE_COLOR = { admin: "primary", member: "default", viewer: "default" } as const;

export function UsersTab() {
  const canWrite = useCan("write:users");
  const me = useAuth((s) => s.user?.id);
  const [search, setSearch] = useState("");
  const [q, setQ] = useState("");
  useEffect(() => {
    const timer = setTimeout(() => setQ(search.trim()), 300); // one request per pause in typing
    return () => clearTimeout(timer);
  }, [search]);
  const query = useUsers(q);
  const [inviting, setInviting] = useState(false);
  const [editing, setEditing] = useState<UserRead | null>(null);
  const [deactivating, setDeactivating] = useState<UserRead | null>(null);
  const deactivate = useDeactivateUser();
  const reactivate = useUpdateUser();
  const [notice, notify] = useNotice();

  const onDeactivate = () => {
    if (!deactivating) return;
    const user = deactivating;
    deactivate.mutate(user.id, {
      onSuccess: () => {
        setDeactivating(null);
        notify("success", `${user.name} is deactivated and signed out everywhere.`);
      },
      onError: (e) => notify("error", `Could not deactivate ${user.name}: ${errorMessage(e)}`),
    });
  };
  const onReactivate = (user: UserRead) =>
    reactivate.mutate(
      { id: user.id, body: { is_active: true } },
      {
        onSuccess: () => notify("success", `${user.name} can sign in again.`),
        onError: (e) => notify("error", `Could not reactivate ${user.name}: ${errorMessage(e)}`),
      },
    );

  return (
    <Box>
      <Stack direction="row" spacing={2} sx={{ mb: 2 }} alignItems="center">
        <TextField
          label="Search users"
          type="search"
          size="small"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          sx={{ flex: 1, maxWidth: 360 }}
        />
        <Box sx={{ flex: 1 }} />
        {canWrite ? (
          <Button
            variant="contained"
            startIcon={<PersonAddIcon />}
            onClick={() => setInviting(true)}
          >
            Invite user
          </Button>
        ) : null}
      </Stack>
      {!canWrite ? (
        <Typography color="text.secondary" sx={{ mb: 1 }}>
          Only admins can invite users or change roles.
        </Typography>
      ) : null}
      <QueryState query={query} loadingLabel="Loading users…">
        {(data) => {
          const users = data.pages.flatMap((p) => p.items);
          if (!users.length) {
            return (
              <Paper>
                <Empty title={q ? "No user matches" : "No users yet"}>
                  {q ? "Try another name or email." : undefined}
                </Empty>
              </Paper>
            );
          }
          return (
            <>
              <TableContainer component={Paper}>
                <Table aria-label="Users">
                  <TableHead>
                    <TableRow>
                      <TableCell>Name</TableCell>
                      <TableCell>Email</TableCell>
                      <TableCell>Role</TableCell>
                      <TableCell>Extra permissions</TableCell>
                      <TableCell>Status</TableCell>
                      <TableCell>Last sign-in</TableCell>
                      {canWrite ? <TableCell>Manage</TableCell> : null}
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {users.map((u) => (
                      <TableRow key={u.id} data-testid="user-row">
                        <TableCell>
                          {u.name}
                          {u.id === me ? " (you)" : ""}
                        </TableCell>
                        <TableCell>{u.email}</TableCell>
                        <TableCell>
                          <Chip
                            size="small"
                            color={ROLE_COLOR[u.role]}
                            label={ROLES.find((r) => r.value === u.role)?.label ?? u.role}
                          />
                        </TableCell>
                        <TableCell>
                          {u.role === "member" && u.extra_permissions.length ? (
                            <Stack direction="row" spacing={0.5} sx={{ flexWrap: "wrap" }}>
                              {u.extra_permissions.map((p) => (
                                <Chip
                                  key={p}
                                  size="small"
                                  variant="outlined"
                                  label={GRANTABLE.find((g) => g.value === p)?.label ?? p}
                                />
                              ))}
                            </Stack>
                          ) : (
                            "—"
                          )}
                        </TableCell>
                        <TableCell>
                          <Chip
                            size="small"
                            variant={u.is_active ? "filled" : "outlined"}
                            color={u.is_active ? "success" : "default"}
                            label={u.is_active ? "Active" : "Deactivated"}
                          />
                        </TableCell>
                        <TableCell>{when(u.last_login_at)}</TableCell>
                        {canWrite ? (
                          <TableCell sx={{ whiteSpace: "nowrap" }}>
                            <Button
                              size="small"
                              onClick={() => setEditing(u)}
                              aria-label={`Edit ${u.name}`}
                            >
                              Edit
                            </Button>
                            {u.is_active ? (
                              <Button
                                size="small"
                                color="error"
                                disabled={u.id === me}
                                onClick={() => setDeactivating(u)}
                                aria-label={`Deactivate ${u.name}`}
                              >
                                Deactivate
                              </Button>
                            ) : (
                              <Button
                                size="small"
                                disabled={reactivate.isPending}
                                onClick={() => onReactivate(u)}
                                aria-label={`Reactivate ${u.name}`}
                              >
                                Reactivate
                              </Button>
                            )}
                          </TableCell>
                        ) : null}
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </TableContainer>
              <LoadMore query={query} />
            </>
          );
        }}
      </QueryState>
      {canWrite ? (
        <InviteUserDialog open={inviting} onClose={() => setInviting(false)} notify={notify} />
      ) : null}
      {editing ? (
        <EditUserDialog
          user={editing}
          self={editing.id === me}
          onClose={() => setEditing(null)}
          notify={notify}
        />
      ) : null}
      <ConfirmDialog
        open={!!deactivating}
        title={`Deactivate ${deactivating?.name ?? ""}?`}
        confirm="Deactivate"
        pending={deactivate.isPending}
        onConfirm={onDeactivate}
        onCancel={() => setDeactivating(null)}
      >
        They are signed out everywhere and can no longer sign in. Their conversations and audit
        trail stay.
      </ConfirmDialog>
      {notice}
    </Box>
  );
}
