import { yupResolver } from "@hookform/resolvers/yup";
import { Alert, Box, Button, Link, Stack, TextField } from "@mui/material";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { Link as RouterLink, useLocation, useNavigate } from "react-router-dom";
import type { InferType } from "yup";
import { errorMessage } from "../../api/client";
import { signInWithPassword } from "../../auth/session";
import { AuthCard } from "./AuthCard";
import { signInSchema } from "./forms";

type Values = InferType<typeof signInSchema>;

/** Where to go after signing in: the page that sent us here, never another origin. */
export function nextPath(search: string): string {
  const next = new URLSearchParams(search).get("next");
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/inbox";
}

export function SignInPage() {
  const navigate = useNavigate();
  const location = useLocation();
  const [failure, setFailure] = useState<string | null>(null);
  const { register, handleSubmit, formState } = useForm<Values>({
    resolver: yupResolver(signInSchema),
    defaultValues: { email: "", password: "" },
  });
  const onSubmit = handleSubmit(async (values) => {
    setFailure(null);
    try {
      await signInWithPassword(values.email, values.password);
      navigate(nextPath(location.search), { replace: true });
    } catch (error) {
      setFailure(errorMessage(error));
    }
  });
  return (
    <AuthCard title="Sign in">
      <Box component="form" noValidate onSubmit={onSubmit}>
        <Stack spacing={2}>
          {failure ? <Alert severity="error">{failure}</Alert> : null}
          <TextField
            label="Email"
            type="email"
            autoComplete="email"
            autoFocus
            {...register("email")}
            error={!!formState.errors.email}
            helperText={formState.errors.email?.message}
          />
          <TextField
            label="Password"
            type="password"
            autoComplete="current-password"
            {...register("password")}
            error={!!formState.errors.password}
            helperText={formState.errors.password?.message}
          />
          <Button type="submit" variant="contained" size="large" disabled={formState.isSubmitting}>
            Sign in
          </Button>
          <Link component={RouterLink} to="/register">
            New here? Create an organization
          </Link>
        </Stack>
      </Box>
    </AuthCard>
  );
}
