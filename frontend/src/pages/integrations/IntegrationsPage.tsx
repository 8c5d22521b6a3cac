// /integrations: the channels this organization is connected to, and the catalogue to add more.
import { Alert, Box, Divider, Link, Paper, Snackbar, Typography } from "@mui/material";
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { api, unwrap } from "../../api/client";
import { useCan } from "../../auth/store";
import { PageHeader } from "../../components/PageHeader";
import { Empty, ErrorState, Loading, QueryState } from "../../components/PageState";
import { Catalogue } from "./Catalogue";
import { ConnectDialog, type ConnectOutcome } from "./ConnectDialog";
import { IntegrationList, type Notice } from "./IntegrationList";
import type { Connector, Integration } from "./types";

async function allIntegrations(): Promise<Integration[]> {
  const out: Integration[] = [];
  let cursor: string | null | undefined = undefined;
  do {
    const page: { items: Integration[]; next_cursor?: string | null } = await unwrap(
      api.GET("/api/v1/integrations", { params: { query: { limit: 200, cursor } } }),
    );
    out.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

export default function IntegrationsPage() {
  const canRead = useCan("read:integrations");
  const canWrite = useCan("write:integrations");
  const connectors = useQuery({
    queryKey: ["connectors"],
    queryFn: async () => (await unwrap(api.GET("/api/v1/connectors"))).items,
    staleTime: 5 * 60_000,
  });
  const integrations = useQuery({
    queryKey: ["integrations"],
    queryFn: allIntegrations,
    enabled: canRead,
  });
  const byType = useMemo(
    () => new Map((connectors.data ?? []).map((c) => [c.type, c])),
    [connectors.data],
  );
  const [dialog, setDialog] = useState<{ connector: Connector; integration?: Integration } | null>(
    null,
  );
  const [notice, setNotice] = useState<Notice | null>(null);
  const [pendingOAuth, setPendingOAuth] = useState<Notice | null>(null);

  const show = (next: Notice) => {
    if (next.link) setPendingOAuth(next);
    setNotice(next);
  };

  const done = (outcome: ConnectOutcome) => {
    setDialog(null);
    if (outcome.error) show({ severity: "error", message: `${outcome.message}: ${outcome.error}` });
    else if (outcome.authorizeUrl)
      show({ severity: "info", message: outcome.message, link: outcome.authorizeUrl });
    else show({ severity: "success", message: outcome.message });
  };

  const countOf = (type: string) => (integrations.data ?? []).filter((i) => i.type === type).length;

  return (
    <Box>
      <PageHeader
        title="Integrations"
        subtitle="Connect the mailboxes, helpdesks and APIs your customers write to."
      />
      {pendingOAuth?.link ? (
        <Alert severity="info" sx={{ mb: 2 }} onClose={() => setPendingOAuth(null)}>
          {pendingOAuth.message}.{" "}
          <Link href={pendingOAuth.link} target="_blank" rel="noopener noreferrer">
            Open the consent page
          </Link>{" "}
          if it did not open, then come back here and press Test.
        </Alert>
      ) : null}

      <Paper
        variant="outlined"
        component="section"
        aria-labelledby="connected-heading"
        sx={{ p: 2, mb: 3 }}
      >
        <Typography variant="h2" id="connected-heading" sx={{ mb: 1 }}>
          Connected
        </Typography>
        {!canRead ? (
          <Alert severity="info">
            You need the read:integrations permission to see connections.
          </Alert>
        ) : integrations.isPending || connectors.isPending ? (
          <Loading label="Loading integrations…" />
        ) : integrations.isError ? (
          <ErrorState error={integrations.error} onRetry={() => void integrations.refetch()} />
        ) : integrations.data.length === 0 ? (
          <Empty title="No integrations yet">
            {canWrite
              ? "Pick a connector below and press Connect."
              : "An administrator can connect channels here."}
          </Empty>
        ) : (
          <IntegrationList
            integrations={integrations.data}
            connectors={byType}
            canWrite={canWrite}
            onEdit={(integration) => {
              const connector = byType.get(integration.type);
              if (connector) setDialog({ connector, integration });
            }}
            onNotice={show}
          />
        )}
      </Paper>

      <Divider sx={{ mb: 3 }} />
      <QueryState query={connectors} loadingLabel="Loading connectors…">
        {(list) => (
          <Catalogue
            connectors={list}
            canConnect={canWrite}
            connectedCount={countOf}
            onConnect={(connector) => setDialog({ connector })}
          />
        )}
      </QueryState>

      {dialog ? (
        <ConnectDialog
          key={`${dialog.connector.type}-${dialog.integration?.id ?? "new"}`}
          connector={dialog.connector}
          integration={dialog.integration}
          onClose={() => setDialog(null)}
          onDone={done}
        />
      ) : null}
      <Snackbar
        open={notice !== null}
        autoHideDuration={6000}
        onClose={(_, reason) => reason !== "clickaway" && setNotice(null)}
        anchorOrigin={{ vertical: "bottom", horizontal: "center" }}
      >
        {notice ? (
          <Alert severity={notice.severity} variant="filled" onClose={() => setNotice(null)}>
            {notice.message}
          </Alert>
        ) : undefined}
      </Snackbar>
    </Box>
  );
}
