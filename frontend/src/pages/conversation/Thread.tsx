// The conversation's messages across channels, oldest first.
import { Alert, Box, Button, Paper, Typography } from "@mui/material";
import { useMemo } from "react";
import { errorMessage } from "../../api/client";
import { useAuth } from "../../auth/store";
import { Empty, ErrorState, Loading } from "../../components/PageState";
import { userLabel, useUsers } from "../inbox/lookups";
import { MessageItem } from "./MessageItem";
import { readClassification } from "./model";
import { useMessages } from "./queries";
import { useCustomerTyping } from "./typing";

function distinct(values: (string | null | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => !!v))].sort();
}

export function Thread({
  conversationId,
  subject,
  now,
}: {
  conversationId: string;
  subject: string | null;
  now: number;
}) {
  const { query, messages } = useMessages(conversationId);
  const { byId } = useUsers();
  const me = useAuth((s) => s.user);
  const customerTyping = useCustomerTyping(conversationId);
  const known = useMemo(() => {
    const all = messages.map((m) => readClassification(m.classification));
    return {
      intents: distinct(all.map((c) => c?.intent?.label)),
      categories: distinct(all.map((c) => c?.category?.label)),
    };
  }, [messages]);

  let body;
  if (query.isPending) body = <Loading label="Loading messages…" />;
  else if (query.isError && !query.data)
    body = <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  else if (messages.length === 0) body = <Empty title="No messages yet" />;
  else
    body = (
      <Box
        component="ol"
        data-testid="thread"
        aria-label="Messages"
        sx={{ display: "flex", flexDirection: "column", gap: 1.5, p: 0, m: 0 }}
      >
        {messages.map((m) => (
          <MessageItem
            key={m.id}
            message={m}
            conversationSubject={subject}
            authorName={
              m.author_id
                ? m.author_id === me?.id
                  ? "You"
                  : (userLabel(byId.get(m.author_id)) ?? "Agent")
                : null
            }
            knownIntents={known.intents}
            knownCategories={known.categories}
            now={now}
          />
        ))}
      </Box>
    );

  return (
    <Paper component="section" aria-labelledby="thread-title" sx={{ p: 2, mb: 2 }}>
      <Typography id="thread-title" variant="h2" sx={{ mb: 2 }}>
        Messages
      </Typography>
      {body}
      <Typography
        role="status"
        variant="body2"
        color="text.secondary"
        data-testid="customer-typing"
        sx={{ mt: 1, minHeight: "1.5em", fontStyle: "italic" }}
      >
        {customerTyping ? "The customer is typing…" : ""}
      </Typography>
      {query.isFetchNextPageError || query.isRefetchError ? (
        <Alert severity="warning" sx={{ mt: 2 }}>
          Could not load every message: {errorMessage(query.error)}
        </Alert>
      ) : null}
      {query.hasNextPage ? (
        <Box sx={{ display: "flex", justifyContent: "center", mt: 2 }}>
          <Button
            variant="outlined"
            onClick={() => void query.fetchNextPage()}
            disabled={query.isFetchingNextPage}
          >
            {query.isFetchingNextPage ? "Loading…" : "Load later messages"}
          </Button>
        </Box>
      ) : null}
    </Paper>
  );
}
