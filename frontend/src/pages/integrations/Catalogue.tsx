// The connector catalogue: searchable, grouped by kind, one card per connector.
import SearchIcon from "@mui/icons-material/Search";
import {
  Box,
  Button,
  Card,
  CardActions,
  CardContent,
  Chip,
  InputAdornment,
  Stack,
  TextField,
  Typography,
} from "@mui/material";
import { useMemo, useState } from "react";
import { Empty } from "../../components/PageState";
import { authLabel, capabilityLabel, KIND_LABELS, kindLabel, type Connector } from "./types";

function matches(connector: Connector, query: string): boolean {
  if (!query) return true;
  const haystack = [
    connector.name,
    connector.type,
    connector.kind,
    kindLabel(connector.kind),
    connector.description,
    authLabel(connector.auth_type),
    ...connector.capabilities.map(capabilityLabel),
  ]
    .join(" ")
    .toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => haystack.includes(word));
}

function groups(connectors: Connector[]): [string, Connector[]][] {
  const order = Object.keys(KIND_LABELS);
  const byKind = new Map<string, Connector[]>();
  for (const c of connectors) byKind.set(c.kind, [...(byKind.get(c.kind) ?? []), c]);
  const rank = (kind: string) => (order.includes(kind) ? order.indexOf(kind) : order.length);
  return [...byKind.entries()].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

export function Catalogue({
  connectors,
  canConnect,
  connectedCount,
  onConnect,
}: {
  connectors: Connector[];
  canConnect: boolean;
  connectedCount: (type: string) => number;
  onConnect: (connector: Connector) => void;
}) {
  const [query, setQuery] = useState("");
  const shown = useMemo(
    () => connectors.filter((c) => matches(c, query.trim())),
    [connectors, query],
  );

  return (
    <Box component="section" aria-labelledby="catalogue-heading">
      <Stack direction={{ xs: "column", sm: "row" }} spacing={2} sx={{ mb: 2 }} alignItems="center">
        <Typography variant="h2" id="catalogue-heading" sx={{ flex: 1 }}>
          Add a channel
        </Typography>
        <TextField
          label="Search connectors"
          type="search"
          size="small"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          slotProps={{
            input: {
              startAdornment: (
                <InputAdornment position="start">
                  <SearchIcon fontSize="small" aria-hidden />
                </InputAdornment>
              ),
            },
          }}
        />
      </Stack>
      {shown.length === 0 ? (
        <Empty title={connectors.length === 0 ? "No connectors available" : "No connector matches"}>
          {connectors.length === 0
            ? "This server has no connectors installed."
            : `Nothing matches “${query}”. Try a provider name or a kind such as email.`}
        </Empty>
      ) : null}
      {groups(shown).map(([kind, list]) => (
        <Box key={kind} component="section" aria-labelledby={`kind-${kind}`} sx={{ mb: 3 }}>
          <Typography variant="h3" id={`kind-${kind}`} sx={{ mb: 1 }}>
            {kindLabel(kind)}
          </Typography>
          <Box
            sx={{
              display: "grid",
              gap: 2,
              gridTemplateColumns: "repeat(auto-fill, minmax(260px, 1fr))",
            }}
          >
            {list.map((connector) => {
              const count = connectedCount(connector.type);
              return (
                <Card
                  key={connector.type}
                  variant="outlined"
                  data-testid={`connector-${connector.type}`}
                  component="article"
                  aria-labelledby={`connector-${connector.type}-name`}
                  sx={{ display: "flex", flexDirection: "column" }}
                >
                  <CardContent sx={{ flex: 1 }}>
                    <Stack direction="row" spacing={1} alignItems="center" sx={{ mb: 0.5 }}>
                      <Typography
                        variant="h4"
                        component="h4"
                        id={`connector-${connector.type}-name`}
                        sx={{ flex: 1, fontSize: "1.05rem" }}
                      >
                        {connector.name}
                      </Typography>
                      {count > 0 ? (
                        <Chip
                          size="small"
                          color="success"
                          variant="outlined"
                          label={`${count} connected`}
                        />
                      ) : null}
                    </Stack>
                    <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
                      {connector.description || `${kindLabel(connector.kind)} connector`}
                    </Typography>
                    <Typography
                      variant="caption"
                      color="text.secondary"
                      component="p"
                      sx={{ mb: 0.5 }}
                    >
                      Auth: {authLabel(connector.auth_type)}
                    </Typography>
                    <Box
                      component="ul"
                      aria-label={`${connector.name} capabilities`}
                      sx={{
                        display: "flex",
                        flexWrap: "wrap",
                        gap: 0.5,
                        p: 0,
                        m: 0,
                        listStyle: "none",
                      }}
                    >
                      {connector.capabilities.map((capability) => (
                        <li key={capability}>
                          <Chip size="small" label={capabilityLabel(capability)} />
                        </li>
                      ))}
                    </Box>
                  </CardContent>
                  <CardActions>
                    <Button
                      variant="contained"
                      size="small"
                      onClick={() => onConnect(connector)}
                      disabled={!canConnect}
                      title={canConnect ? undefined : "You need the write:integrations permission"}
                    >
                      Connect
                    </Button>
                  </CardActions>
                </Card>
              );
            })}
          </Box>
        </Box>
      ))}
    </Box>
  );
}
