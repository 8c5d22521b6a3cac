// The inbox: the organization's conversations, newest activity first, filtered from the URL
// and kept fresh by the live events (the Layout invalidates ["conversations"]).
import { Alert, Box, Button, CircularProgress, Paper } from "@mui/material";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { api, errorMessage, unwrap } from "../../api/client";
import { useAuth, useCan } from "../../auth/store";
import { PageHeader } from "../../components/PageHeader";
import { Empty, ErrorState, Loading } from "../../components/PageState";
import {
  hasNarrowingFilters,
  listQuery,
  matchesIntent,
  readFilters,
  writeFilters,
  type InboxFilters,
} from "./filters";
import { useNow, type Conversation } from "./format";
import { InboxTable } from "./InboxTable";
import { InboxToolbar, StatusTabs } from "./InboxToolbar";
import { useContacts, useUsers } from "./lookups";

const CLEARED: Partial<InboxFilters> = {
  priority: null,
  channel: null,
  assignee: null,
  intent: null,
  category: null,
  q: null,
};

function distinct(values: (string | null | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => !!v))].sort();
}

/** Channels to filter on: the organization's integrations' types, plus the API's own. */
function useChannels(): string[] {
  const allowed = useCan("read:integrations");
  const query = useQuery({
    queryKey: ["inbox", "channels"],
    queryFn: () => unwrap(api.GET("/api/v1/integrations", { params: { query: { limit: 200 } } })),
    enabled: allowed,
    staleTime: 5 * 60_000,
  });
  return useMemo(() => (query.data?.items ?? []).map((i) => i.type), [query.data]);
}

/** Conversations that arrived after the view was first shown (for the "New" highlight). */
function useFresh(key: string, rows: Conversation[], ready: boolean): Set<string> {
  const [baseline, setBaseline] = useState<{ key: string; ids: Set<string>; newest: number }>();
  useEffect(() => {
    if (!ready || baseline?.key === key) return;
    setBaseline({
      key,
      ids: new Set(rows.map((r) => r.id)),
      newest: Math.max(0, ...rows.map((r) => new Date(r.last_message_at).getTime())),
    });
  }, [key, rows, ready, baseline?.key]);
  return useMemo(() => {
    if (!baseline || baseline.key !== key) return new Set<string>();
    return new Set(
      rows
        .filter(
          (r) =>
            !baseline.ids.has(r.id) && new Date(r.last_message_at).getTime() >= baseline.newest,
        )
        .map((r) => r.id),
    );
  }, [baseline, key, rows]);
}

export default function InboxPage() {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => readFilters(params), [params]);
  const key = JSON.stringify(filters);
  const myId = useAuth((s) => s.user?.id ?? null);
  const now = useNow();

  const update = useCallback(
    (patch: Partial<InboxFilters>, replace = false) =>
      setParams((prev) => writeFilters({ ...readFilters(prev), ...patch }), { replace }),
    [setParams],
  );
  const onSearch = useCallback((q: string | null) => update({ q }, true), [update]);

  const query = useInfiniteQuery({
    queryKey: ["conversations", filters],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/conversations", { params: { query: listQuery(filters, pageParam) } }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });

  const loaded = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
  const rows = useMemo(
    () => loaded.filter((c) => matchesIntent(c.intent, filters)),
    [loaded, filters],
  );
  const contactIds = useMemo(() => rows.map((r) => r.contact_id), [rows]);
  const contacts = useContacts(contactIds);
  const { users, byId } = useUsers();
  const integrationChannels = useChannels();
  const fresh = useFresh(key, loaded, query.isSuccess);

  const channels = distinct([
    "api",
    ...integrationChannels,
    ...loaded.map((c) => c.channel),
    filters.channel,
  ]);
  const intents = distinct([...loaded.map((c) => c.intent), filters.intent]);
  const categories = distinct([...loaded.map((c) => c.category), filters.category]);

  let body;
  if (query.isPending) body = <Loading label="Loading conversations…" />;
  else if (query.isError && !query.data)
    body = <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  else if (rows.length === 0)
    body = (
      <Paper>
        {hasNarrowingFilters(filters) ? (
          <Empty title="No conversations match these filters">
            {query.hasNextPage
              ? "None of the loaded conversations match; load more to look further. "
              : null}
            <Button onClick={() => update(CLEARED)}>Clear filters</Button>
          </Empty>
        ) : (
          <Empty
            title={
              filters.status === "all"
                ? "No conversations yet"
                : `No ${filters.status} conversations`
            }
          >
            New messages from every connected channel appear here as they arrive.
          </Empty>
        )}
      </Paper>
    );
  else
    body = (
      <InboxTable
        rows={rows}
        contacts={contacts}
        users={byId}
        myId={myId}
        fresh={fresh}
        now={now}
      />
    );

  return (
    <Box>
      <PageHeader
        title="Inbox"
        subtitle={
          fresh.size > 0
            ? `${fresh.size} new since you opened this view`
            : "Conversations from every channel, newest activity first"
        }
        actions={
          query.isFetching && !query.isPending ? (
            <CircularProgress size={20} aria-label="Refreshing conversations" />
          ) : undefined
        }
      />
      <StatusTabs value={filters.status} onChange={(status) => update({ status })} />
      <InboxToolbar
        filters={filters}
        onChange={(patch) => update(patch)}
        onSearch={onSearch}
        channels={channels}
        intents={intents}
        categories={categories}
        users={users}
      />
      {body}
      {query.isRefetchError ? (
        <Alert severity="warning" sx={{ mt: 2 }}>
          Could not refresh the list: {errorMessage(query.error)}
        </Alert>
      ) : null}
      {query.isFetchNextPageError ? (
        <Alert severity="error" sx={{ mt: 2 }}>
          Could not load more conversations: {errorMessage(query.error)}
        </Alert>
      ) : null}
      {query.hasNextPage && (!query.isError || query.isFetchNextPageError) ? (
        <Box sx={{ display: "flex", justifyContent: "center", mt: 2 }}>
          <Button
            variant="outlined"
            onClick={() => void query.fetchNextPage()}
            disabled={query.isFetchingNextPage}
          >
            {query.isFetchingNextPage ? "Loading…" : "Load more"}
          </Button>
        </Box>
      ) : null}
    </Box>
  );
}
