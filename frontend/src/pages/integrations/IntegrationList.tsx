// The organization's connected integrations: status, health, webhook URL, and actions.
import CheckCircleIcon from "@mui/icons-material/CheckCircle";
import ErrorIcon from "@mui/icons-material/Error";
import HelpOutlineIcon from "@mui/icons-material/HelpOutline";
import {
  Alert,
  Button,
  Chip,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  Typography,
} from "@mui/material";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, errorMessage, unwrap } from "../../api/client";
import { startOAuth } from "./ConnectDialog";
import { ConfirmDelete } from "./ConfirmDelete";
import { summarize, when } from "./health";
import { InboundUrl } from "./InboundUrl";
import { inboundUrl, usesOAuth, type Connector, type Integration, type TestResult } from "./types";
import { WidgetEmbed } from "./WidgetEmbed";

export interface Notice {
  severity: "success" | "error" | "info";
  message: string;
  link?: string;
}

interface Props {
  integrations: Integration[];
  connectors: Map<string, Connector>;
  canWrite: boolean;
  onEdit: (integration: Integration) => void;
  onNotice: (notice: Notice) => void;
}

function HealthCell({ integration, test }: { integration: Integration; test?: TestResult }) {
  const health = summarize(integration.health);
  return (
    <Stack spacing={0.5}>
      {health.state === "ok" ? (
        <Chip
          size="small"
          color="success"
          icon={<CheckCircleIcon />}
          label="Healthy"
          sx={{ alignSelf: "start" }}
        />
      ) : health.state === "error" ? (
        <Chip
          size="small"
          color="error"
          icon={<ErrorIcon />}
          label="Failing"
          sx={{ alignSelf: "start" }}
        />
      ) : (
        <Chip
          size="small"
          icon={<HelpOutlineIcon />}
          label="Not checked yet"
          sx={{ alignSelf: "start" }}
        />
      )}
      <Typography variant="caption" color="text.secondary">
        Last OK: {when(health.lastOk)}
        {health.lastError ? ` · last error: ${when(health.lastError)}` : ""}
      </Typography>
      {health.error ? (
        <Typography variant="caption" color="error">
          {health.error}
        </Typography>
      ) : null}
      {test ? (
        <Alert
          severity={test.ok ? "success" : "error"}
          role="status"
          data-testid="test-result"
          sx={{ py: 0 }}
        >
          {test.ok ? "Test passed" : "Test failed"}: {test.detail}
        </Alert>
      ) : null}
    </Stack>
  );
}

export function IntegrationList({ integrations, connectors, canWrite, onEdit, onNotice }: Props) {
  const client = useQueryClient();
  const [tests, setTests] = useState<Record<string, TestResult>>({});
  const [deleting, setDeleting] = useState<Integration | null>(null);
  const refresh = () => client.invalidateQueries({ queryKey: ["integrations"] });

  const test = useMutation({
    mutationFn: (integration: Integration) =>
      unwrap(
        api.POST("/api/v1/integrations/{integration_id}/test", {
          params: { path: { integration_id: integration.id } },
        }),
      ),
    onSuccess: (result, integration) => {
      setTests((all) => ({ ...all, [integration.id]: result }));
      onNotice({
        severity: result.ok ? "success" : "error",
        message: `${integration.name}: ${result.ok ? "test passed" : "test failed"}`,
      });
      void refresh();
    },
    onError: (error, integration) =>
      onNotice({
        severity: "error",
        message: `Could not test ${integration.name}: ${errorMessage(error)}`,
      }),
  });

  const toggle = useMutation({
    mutationFn: (integration: Integration) =>
      unwrap(
        api.PATCH("/api/v1/integrations/{integration_id}", {
          params: { path: { integration_id: integration.id } },
          body: { status: integration.status === "paused" ? "active" : "paused" },
        }),
      ),
    onSuccess: (updated) => {
      onNotice({
        severity: "success",
        message: `${updated.name} ${updated.status === "paused" ? "paused" : "resumed"}`,
      });
      void refresh();
    },
    onError: (error, integration) =>
      onNotice({
        severity: "error",
        message: `Could not update ${integration.name}: ${errorMessage(error)}`,
      }),
  });

  const authorize = useMutation({
    mutationFn: (integration: Integration) => startOAuth(integration.id),
    onSuccess: (url, integration) =>
      onNotice({
        severity: "info",
        message: `Finish connecting ${integration.name} on the provider's consent page`,
        link: url,
      }),
    onError: (error, integration) =>
      onNotice({
        severity: "error",
        message: `Could not start OAuth for ${integration.name}: ${errorMessage(error)}`,
      }),
  });

  const busy = (m: { isPending: boolean; variables?: Integration }, id: string) =>
    m.isPending && m.variables?.id === id;

  return (
    <>
      <TableContainer>
        <Table data-testid="integration-list" aria-label="Connected integrations">
          <TableHead>
            <TableRow>
              <TableCell>Name</TableCell>
              <TableCell>Status</TableCell>
              <TableCell>Health</TableCell>
              <TableCell align="right">Actions</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {integrations.map((integration) => {
              const connector = connectors.get(integration.type);
              const inbound = inboundUrl(integration, connector);
              const paused = integration.status === "paused";
              const authorized = integration.secrets_set.includes("access_token");
              return (
                <TableRow key={integration.id} data-testid={`integration-${integration.id}`}>
                  <TableCell sx={{ maxWidth: 420 }}>
                    <Typography fontWeight={600}>{integration.name}</Typography>
                    <Typography variant="body2" color="text.secondary">
                      {connector?.name ?? integration.type}
                      {integration.secrets_set.length > 0
                        ? ` · secrets set: ${integration.secrets_set.join(", ")}`
                        : ""}
                    </Typography>
                    {inbound ? <InboundUrl label={inbound.label} url={inbound.url} /> : null}
                    {integration.type === "widget" ? (
                      <WidgetEmbed integrationId={integration.id} />
                    ) : null}
                  </TableCell>
                  <TableCell>
                    <Chip
                      size="small"
                      label={
                        paused
                          ? "Paused"
                          : integration.status === "active"
                            ? "Active"
                            : integration.status
                      }
                      color={paused ? "warning" : "success"}
                      variant={paused ? "outlined" : "filled"}
                    />
                  </TableCell>
                  <TableCell>
                    <HealthCell integration={integration} test={tests[integration.id]} />
                  </TableCell>
                  <TableCell align="right">
                    {canWrite ? (
                      <Stack
                        direction="row"
                        spacing={1}
                        justifyContent="flex-end"
                        flexWrap="wrap"
                        useFlexGap
                      >
                        <Button
                          size="small"
                          variant="outlined"
                          onClick={() => test.mutate(integration)}
                          disabled={busy(test, integration.id)}
                        >
                          {busy(test, integration.id) ? "Testing…" : "Test"}
                        </Button>
                        {usesOAuth(connector) ? (
                          <Button
                            size="small"
                            onClick={() => authorize.mutate(integration)}
                            disabled={busy(authorize, integration.id)}
                          >
                            {authorized ? "Reauthorize" : "Authorize"}
                          </Button>
                        ) : null}
                        <Button
                          size="small"
                          onClick={() => toggle.mutate(integration)}
                          disabled={busy(toggle, integration.id)}
                        >
                          {paused ? "Resume" : "Pause"}
                        </Button>
                        <Button
                          size="small"
                          onClick={() => onEdit(integration)}
                          disabled={!connector}
                        >
                          Edit
                        </Button>
                        <Button size="small" color="error" onClick={() => setDeleting(integration)}>
                          Delete
                        </Button>
                      </Stack>
                    ) : (
                      <Typography variant="body2" color="text.secondary">
                        Read-only
                      </Typography>
                    )}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </TableContainer>
      {deleting ? (
        <ConfirmDelete
          integration={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            onNotice({ severity: "success", message: `${deleting.name} deleted` });
            setDeleting(null);
          }}
        />
      ) : null}
    </>
  );
}
