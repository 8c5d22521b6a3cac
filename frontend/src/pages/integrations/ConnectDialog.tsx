// The "Connect" (create) and "Edit" dialog: a form generated from the connector's config schema.
import { yupResolver } from "@hookform/resolvers/yup";
import {
  Alert,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Stack,
  TextField,
  Typography,
} from "@mui/material";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useForm, type Resolver } from "react-hook-form";
import * as yup from "yup";
import { api, ApiError, errorMessage, unwrap } from "../../api/client";
import { ConfigFields } from "./ConfigFields";
import {
  buildValidation,
  initialValues,
  parseSchema,
  toConfig,
  type FormValues,
  type JsonSchema,
} from "./jsonSchema";
import type { Connector, Integration } from "./types";

const NAME = "__name";

export interface ConnectOutcome {
  message: string;
  /** the provider's consent page, for OAuth connectors */
  authorizeUrl?: string;
  /** set when creating worked but starting OAuth did not */
  error?: string;
}

interface Props {
  connector: Connector;
  /** editing this integration; creating when absent */
  integration?: Integration;
  onClose: () => void;
  onDone: (outcome: ConnectOutcome) => void;
}

/** Ask the API for the provider's consent page and open it in a new tab. */
export async function startOAuth(integrationId: string): Promise<string> {
  const started = await unwrap(
    api.POST("/api/v1/integrations/{integration_id}/oauth/start", {
      params: { path: { integration_id: integrationId } },
      body: {},
    }),
  );
  window.open(started.authorize_url, "_blank", "noopener,noreferrer");
  return started.authorize_url;
}

export function ConnectDialog({ connector, integration, onClose, onDone }: Props) {
  const client = useQueryClient();
  const editing = integration !== undefined;
  const fields = useMemo(
    () => parseSchema(connector.config_schema as JsonSchema),
    [connector.config_schema],
  );
  const secretsSet = useMemo(() => integration?.secrets_set ?? [], [integration]);
  const resolver = useMemo(
    () =>
      yupResolver(
        buildValidation(fields, secretsSet).shape({
          [NAME]: yup
            .string()
            .trim()
            .required("Give the integration a name")
            .max(200, "At most 200 characters"),
        }),
      ) as unknown as Resolver<FormValues>,
    [fields, secretsSet],
  );
  const {
    control,
    register,
    handleSubmit,
    setError,
    formState: { errors },
  } = useForm<FormValues>({
    resolver,
    defaultValues: {
      ...initialValues(fields, integration?.config),
      [NAME]: integration?.name ?? connector.name,
    },
  });
  const [formError, setFormError] = useState<string | null>(null);

  const showServerErrors = (error: unknown) => {
    if (!(error instanceof ApiError)) {
      setFormError(errorMessage(error));
      return;
    }
    if (error.status === 409) {
      setError(NAME, { type: "server", message: error.message });
      return;
    }
    const unplaced: string[] = [];
    for (const [loc, msg] of Object.entries(error.fieldErrors())) {
      const name = loc.replace(/^config\.?/, "").split(".")[0] ?? "";
      if (name && fields.some((f) => f.name === name))
        setError(name, { type: "server", message: msg });
      else if (loc === "name") setError(NAME, { type: "server", message: msg });
      else unplaced.push(msg);
    }
    setFormError([error.message, ...unplaced].join(": "));
  };

  const save = useMutation({
    mutationFn: async (values: FormValues): Promise<ConnectOutcome> => {
      const name = String(values[NAME] ?? "").trim();
      if (integration) {
        await unwrap(
          api.PATCH("/api/v1/integrations/{integration_id}", {
            params: { path: { integration_id: integration.id } },
            body: { name, config: toConfig(fields, values, "edit") },
          }),
        );
        return { message: `${name} saved` };
      }
      const created = await unwrap(
        api.POST("/api/v1/integrations", {
          body: { name, type: connector.type, config: toConfig(fields, values, "create") },
        }),
      );
      if (connector.auth_type.startsWith("oauth")) {
        try {
          const url = await startOAuth(created.id);
          return {
            message: `${name} created: finish connecting it on the provider's consent page`,
            authorizeUrl: url,
          };
        } catch (error) {
          return {
            message: `${name} created, but OAuth could not start`,
            error: errorMessage(error),
          };
        }
      }
      return { message: `${name} connected` };
    },
    onMutate: () => setFormError(null),
    onSuccess: (outcome) => {
      void client.invalidateQueries({ queryKey: ["integrations"] });
      onDone(outcome);
    },
    onError: showServerErrors,
  });

  return (
    <Dialog open onClose={save.isPending ? undefined : onClose} fullWidth maxWidth="sm">
      <form
        noValidate
        aria-label={editing ? `Edit ${integration.name}` : `Connect ${connector.name}`}
        onSubmit={handleSubmit((values) => save.mutate(values))}
      >
        <DialogTitle>
          {editing ? `Edit ${integration.name}` : `Connect ${connector.name}`}
        </DialogTitle>
        <DialogContent dividers>
          <Stack spacing={2}>
            {connector.description ? (
              <Typography color="text.secondary">{connector.description}</Typography>
            ) : null}
            {!editing && connector.auth_type.startsWith("oauth") ? (
              <Alert severity="info">
                After you connect, the provider's consent page opens in a new tab to grant access.
              </Alert>
            ) : null}
            {formError ? (
              <Alert severity="error" role="alert">
                {formError}
              </Alert>
            ) : null}
            <TextField
              label="Name"
              required
              {...register(NAME)}
              error={Boolean(errors[NAME])}
              helperText={
                (errors[NAME]?.message as string | undefined) ?? "Shown to agents in the inbox"
              }
              disabled={save.isPending}
              fullWidth
            />
            <ConfigFields
              fields={fields}
              control={control}
              errors={errors}
              secretsSet={secretsSet}
              disabled={save.isPending}
            />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose} disabled={save.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="contained" disabled={save.isPending}>
            {editing ? "Save" : "Connect"}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
