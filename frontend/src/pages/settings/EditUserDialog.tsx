// Change a user's role and, for members, the extra permissions granted on top of it.
import {
  Alert,
  Button,
  Checkbox,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  FormGroup,
  FormLabel,
  MenuItem,
  Stack,
  TextField,
  Typography,
} from "@mui/material";
import { useState } from "react";
import { errorMessage } from "../../api/client";
import { GRANTABLE, ROLES, useUpdateUser, type Role, type UserRead } from "./queries";
import type { Notify } from "./ui";

export function EditUserDialog({
  user,
  self,
  onClose,
  notify,
}: {
  user: UserRead;
  self: boolean;
  onClose: () => void;
  notify: Notify;
}) {
  const update = useUpdateUser();
  const [role, setRole] = useState<Role>(user.role);
  const [extra, setExtra] = useState<string[]>(user.extra_permissions);
  const [failure, setFailure] = useState<string | null>(null);

  const save = () => {
    setFailure(null);
    update.mutate(
      { id: user.id, body: { role, extra_permissions: role === "member" ? extra : [] } },
      {
        onSuccess: (saved) => {
          notify(
            "success",
            `${saved.name} is now ${saved.role === "admin" ? "an" : "a"} ${saved.role}.`,
          );
          onClose();
        },
        onError: (e) => setFailure(errorMessage(e)),
      },
    );
  };

  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="xs">
      <DialogTitle>Edit {user.name}</DialogTitle>
      <DialogContent>
        <Stack spacing={2} sx={{ pt: 1 }}>
          {failure ? <Alert severity="error">{failure}</Alert> : null}
          <TextField
            select
            label="Role"
            value={role}
            disabled={self}
            helperText={self ? "You cannot change your own role." : undefined}
            onChange={(e) => setRole(e.target.value as Role)}
          >
            {ROLES.map((r) => (
              <MenuItem key={r.value} value={r.value}>
                {r.label}
              </MenuItem>
            ))}
          </TextField>
          <FormGroup>
            <FormLabel component="legend">Extra permissions</FormLabel>
            {role !== "member" ? (
              <Typography variant="body2" color="text.secondary">
                Only members can be granted extra permissions; admins have them all already.
              </Typography>
            ) : (
              GRANTABLE.map((g) => (
                <FormControlLabel
                  key={g.value}
                  label={g.label}
                  control={
                    <Checkbox
                      checked={extra.includes(g.value)}
                      onChange={(e) =>
                        setExtra(
                          e.target.checked
                            ? [...extra, g.value]
                            : extra.filter((p) => p !== g.value),
                        )
                      }
                    />
                  }
                />
              ))
            )}
          </FormGroup>
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="contained" onClick={save} disabled={update.isPending}>
          Save changes
        </Button>
      </DialogActions>
    </Dialog>
  );
}
