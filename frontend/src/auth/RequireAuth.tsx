// Pages behind a session. An expired session keeps the page (and any draft being written) and
// asks for the password in a dialog; only a signed-out visitor is sent to the sign-in page.
import {
  Alert,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Stack,
  TextField,
} from "@mui/material";
import { useState, type FormEvent, type ReactNode } from "react";
import { Navigate, useLocation } from "react-router-dom";
import { errorMessage } from "../api/client";
import { Loading } from "../components/PageState";
import { signInWithPassword, useProfile } from "./session";
import { useAuth } from "./store";

function ReauthDialog() {
  const email = useAuth((s) => s.user?.email ?? "");
  const [password, setPassword] = useState("");
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    try {
      await signInWithPassword(email, password);
    } catch (error) {
      setFailure(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open aria-labelledby="reauth-title">
      <form onSubmit={(e) => void submit(e)}>
        <DialogTitle id="reauth-title">Your session expired</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            <Alert severity="info">Sign in again to carry on; nothing on this page is lost.</Alert>
            {failure ? <Alert severity="error">{failure}</Alert> : null}
            <TextField label="Email" value={email} disabled />
            <TextField
              label="Password"
              type="password"
              autoFocus
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => useAuth.getState().signOut()}>Sign out</Button>
          <Button type="submit" variant="contained" disabled={busy || !password}>
            Sign in
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

export function RequireAuth({ children }: { children: ReactNode }) {
  const location = useLocation();
  const accessToken = useAuth((s) => s.accessToken);
  const expired = useAuth((s) => s.expired);
  const hasProfile = useAuth((s) => s.user !== null && s.permissions.length > 0);
  const profile = useProfile(accessToken !== null);
  if (!accessToken && !expired) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/sign-in?next=${next}`} replace />;
  }
  if (!hasProfile && profile.isPending) return <Loading label="Signing in…" />;
  return (
    <>
      {children}
      {expired ? <ReauthDialog /> : null}
    </>
  );
}
