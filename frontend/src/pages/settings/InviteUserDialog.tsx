// Add a user: with a password now, or (the default) an invitation link shown once.
import { yupResolver } from "@hookform/resolvers/yup";
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
  Switch,
  TextField,
} from "@mui/material";
import { useState } from "react";
import { Controller, useForm } from "react-hook-form";
import * as yup from "yup";
import { ApiError, errorMessage } from "../../api/client";
import { GRANTABLE, ROLES, useCreateUser, type Role, type UserCreated } from "./queries";
import { CopyField, type Notify } from "./ui";

const schema = yup.object({
  email: yup.string().trim().email("Enter a valid email").required("Enter an email"),
  name: yup.string().trim().required("Enter a name").max(200),
  role: yup.mixed<Role>().oneOf(["admin", "member", "viewer"]).required(),
  withPassword: yup.boolean().required(),
  password: yup
    .string()
    .default("")
    .when("withPassword", {
      is: true,
      then: (s) => s.min(10, "At least 10 characters").max(256).required("Choose a password"),
    }),
  extra: yup.array(yup.string().required()).required(),
});
type Values = yup.InferType<typeof schema>;

export function InviteUserDialog({
  open,
  onClose,
  notify,
}: {
  open: boolean;
  onClose: () => void;
  notify: Notify;
}) {
  const create = useCreateUser();
  const [invited, setInvited] = useState<UserCreated | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const { register, control, handleSubmit, watch, reset, setError, formState } = useForm<Values>({
    resolver: yupResolver(schema),
    defaultValues: {
      email: "",
      name: "",
      role: "member",
      withPassword: false,
      password: "",
      extra: [],
    },
  });
  const role = watch("role");
  const withPassword = watch("withPassword");

  const close = () => {
    setInvited(null); // the link is shown once: it is gone when the dialog closes
    setFailure(null);
    reset();
    onClose();
  };

  const onSubmit = handleSubmit(async (v) => {
    setFailure(null);
    try {
      const user = await create.mutateAsync({
        email: v.email.trim(),
        name: v.name.trim(),
        role: v.role,
        extra_permissions: v.role === "member" ? v.extra : [],
        ...(v.withPassword ? { password: v.password } : {}),
      });
      if (user.invitation_url) {
        setInvited(user);
      } else {
        notify("success", `Added ${user.name}. They can sign in with the password you set.`);
        close();
      }
    } catch (error) {
      if (error instanceof ApiError && error.code === "email_taken") {
        setError("email", { message: error.message });
        return;
      }
      const fields = error instanceof ApiError ? error.fieldErrors() : {};
      for (const [key, message] of Object.entries(fields)) {
        if (key === "email" || key === "name" || key === "password") setError(key, { message });
      }
      setFailure(errorMessage(error));
    }
  });

  if (invited) {
    return (
      <Dialog open={open} onClose={close} fullWidth maxWidth="sm">
        <DialogTitle>Invitation for {invited.name}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            <Alert severity="warning">
              Send this link to {invited.email}. It is shown only once: copy it now. Whoever opens
              it can set the password for this account.
            </Alert>
            <CopyField
              label="Invitation link"
              value={invited.invitation_url ?? ""}
              testId="invitation-url"
            />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button variant="contained" onClick={close}>
            Done
          </Button>
        </DialogActions>
      </Dialog>
    );
  }

  return (
    <Dialog open={open} onClose={close} fullWidth maxWidth="sm">
      <form noValidate onSubmit={onSubmit}>
        <DialogTitle>Invite user</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            {failure ? <Alert severity="error">{failure}</Alert> : null}
            <TextField
              label="Email"
              type="email"
              autoFocus
              {...register("email")}
              error={!!formState.errors.email}
              helperText={formState.errors.email?.message}
            />
            <TextField
              label="Name"
              {...register("name")}
              error={!!formState.errors.name}
              helperText={formState.errors.name?.message}
            />
            <Controller
              control={control}
              name="role"
              render={({ field }) => (
                <TextField select label="Role" {...field}>
                  {ROLES.map((r) => (
                    <MenuItem key={r.value} value={r.value}>
                      {r.label}: {r.description}
                    </MenuItem>
                  ))}
                </TextField>
              )}
            />
            {role === "member" ? (
              <Controller
                control={control}
                name="extra"
                render={({ field }) => (
                  <FormGroup>
                    <FormLabel component="legend">Extra permissions</FormLabel>
                    {GRANTABLE.map((g) => (
                      <FormControlLabel
                        key={g.value}
                        label={g.label}
                        control={
                          <Checkbox
                            checked={field.value.includes(g.value)}
                            onChange={(e) =>
                              field.onChange(
                                e.target.checked
                                  ? [...field.value, g.value]
                                  : field.value.filter((p) => p !== g.value),
                              )
                            }
                          />
                        }
                      />
                    ))}
                  </FormGroup>
                )}
              />
            ) : null}
            <Controller
              control={control}
              name="withPassword"
              render={({ field }) => (
                <FormControlLabel
                  control={
                    <Switch
                      checked={field.value}
                      onChange={(e) => field.onChange(e.target.checked)}
                    />
                  }
                  label="Set a password now (otherwise you get an invitation link to send)"
                />
              )}
            />
            {withPassword ? (
              <TextField
                label="Password"
                type="password"
                autoComplete="new-password"
                {...register("password")}
                error={!!formState.errors.password}
                helperText={formState.errors.password?.message ?? "At least 10 characters"}
              />
            ) : null}
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={close}>Cancel</Button>
          <Button type="submit" variant="contained" disabled={formState.isSubmitting}>
            {withPassword ? "Add user" : "Create invitation"}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
