import { yupResolver } from "@hookform/resolvers/yup";
import { Alert, Box, Button, Link, Stack, TextField } from "@mui/material";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { Link as RouterLink, useNavigate } from "react-router-dom";
import type { InferType } from "yup";
import { ApiError, errorMessage } from "../../api/client";
import { register as registerAccount } from "../../auth/session";
import { AuthCard } from "./AuthCard";
import { registerSchema } from "./forms";

type Values = InferType<typeof registerSchema>;
const FIELDS: { name: keyof Values; label: string; type?: string; autoComplete: string }[] = [
  { name: "name", label: "Your name", autoComplete: "name" },
  { name: "organization_name", label: "Organization", autoComplete: "organization" },
  { name: "email", label: "Work email", type: "email", autoComplete: "email" },
  { name: "password", label: "Password", type: "password", autoComplete: "new-password" },
];

export function RegisterPage() {
  const navigate = useNavigate();
  const [failure, setFailure] = useState<string | null>(null);
  const { register, handleSubmit, formState, setError } = useForm<Values>({
    resolver: yupResolver(registerSchema),
    defaultValues: { name: "", organization_name: "", email: "", password: "" },
  });
  const onSubmit = handleSubmit(async (values) => {
    setFailure(null);
    try {
      await registerAccount(values);
      navigate("/inbox", { replace: true });
    } catch (error) {
      if (error instanceof ApiError) {
        const fields = error.fieldErrors();
        for (const [name, message] of Object.entries(fields)) {
          if (FIELDS.some((f) => f.name === name)) setError(name as keyof Values, { message });
        }
        if (error.code === "email_taken" || error.status === 409) {
          setError("email", { message: error.message });
          return;
        }
      }
      setFailure(errorMessage(error));
    }
  });
  return (
    <AuthCard title="Create your organization">
      <Box component="form" noValidate onSubmit={onSubmit}>
        <Stack spacing={2}>
          {failure ? <Alert severity="error">{failure}</Alert> : null}
          {FIELDS.map((field, i) => (
            <TextField
              key={field.name}
              label={field.label}
              type={field.type ?? "text"}
              autoComplete={field.autoComplete}
              autoFocus={i === 0}
              {...register(field.name)}
              error={!!formState.errors[field.name]}
              helperText={formState.errors[field.name]?.message}
            />
          ))}
          <Button type="submit" variant="contained" size="large" disabled={formState.isSubmitting}>
            Create account
          </Button>
          <Link component={RouterLink} to="/sign-in">
            Already have an account? Sign in
          </Link>
        </Stack>
      </Box>
    </AuthCard>
  );
}
