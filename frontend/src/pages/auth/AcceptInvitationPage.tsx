import { yupResolver } from "@hookform/resolvers/yup";
import { Alert, Box, Button, Stack, TextField } from "@mui/material";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { useNavigate, useSearchParams } from "react-router-dom";
import type { InferType } from "yup";
import { errorMessage } from "../../api/client";
import { acceptInvitation } from "../../auth/session";
import { AuthCard } from "./AuthCard";
import { acceptSchema } from "./forms";

type Values = InferType<typeof acceptSchema>;

export function AcceptInvitationPage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const navigate = useNavigate();
  const [failure, setFailure] = useState<string | null>(null);
  const { register, handleSubmit, formState } = useForm<Values>({
    resolver: yupResolver(acceptSchema),
    defaultValues: { name: "", password: "" },
  });
  const onSubmit = handleSubmit(async (values) => {
    setFailure(null);
    try {
      await acceptInvitation({
        token,
        password: values.password,
        ...(values.name ? { name: values.name } : {}),
      });
      navigate("/inbox", { replace: true });
    } catch (error) {
      setFailure(errorMessage(error));
    }
  });
  if (token.length < 10) {
    return (
      <AuthCard title="Accept your invitation">
        <Alert severity="error">
          This invitation link is incomplete. Ask your admin for a new one.
        </Alert>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Accept your invitation">
      <Box component="form" noValidate onSubmit={onSubmit}>
        <Stack spacing={2}>
          {failure ? <Alert severity="error">{failure}</Alert> : null}
          <TextField label="Your name (optional)" autoComplete="name" {...register("name")} />
          <TextField
            label="Choose a password"
            type="password"
            autoComplete="new-password"
            autoFocus
            {...register("password")}
            error={!!formState.errors.password}
            helperText={formState.errors.password?.message}
          />
          <Button type="submit" variant="contained" size="large" disabled={formState.isSubmitting}>
            Join the organization
          </Button>
        </Stack>
      </Box>
    </AuthCard>
  );
}
