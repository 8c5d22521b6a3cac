// The AI draft for the conversation's latest message: what the router wrote, from which
// sources, at what cost, and the agent's review (approve and send, edit then send, reject).
import {
  Alert,
  AlertTitle,
  Box,
  Button,
  Chip,
  LinearProgress,
  Link,
  Paper,
  TextField,
  Typography,
} from "@mui/material";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api, errorMessage, unwrap } from "../../api/client";
import { useCan } from "../../auth/store";
import { ErrorState, Loading } from "../../components/PageState";
import { absoluteTime, capitalize, percent, relativeTime, usd } from "../inbox/format";
import { userLabel, useUsers } from "../inbox/lookups";
import { DeliveryChip } from "./MessageItem";
import type { Draft, Message } from "./model";
import { isInProgress, useDrafts, useMessages, useRefreshConversation } from "./queries";
import { RejectDialog } from "./RejectDialog";
import { useNotify } from "./toast";
import { useAgentTyping } from "./typing";

const STATUS_COLOR = {
  requested: "info",
  drafting: "info",
  ready: "primary",
  approved: "success",
  rejected: "default",
  failed: "error",
} as const;

function Facts({ draft }: { draft: Draft }) {
  const facts: [string, string][] = [
    ["Provider", draft.provider ?? "–"],
    ["Model", draft.model ?? "–"],
    ["Cost", usd(draft.cost_usd)],
    ["Confidence", percent(draft.confidence)],
  ];
  return (
    <Box component="dl" sx={{ display: "flex", gap: 3, flexWrap: "wrap", m: 0, mb: 1.5 }}>
      {facts.map(([term, value]) => (
        <Box key={term}>
          <Typography component="dt" variant="caption" color="text.secondary">
            {term}
          </Typography>
          <Typography component="dd" sx={{ m: 0 }}>
            {value}
          </Typography>
        </Box>
      ))}
    </Box>
  );
}

function Sources({ draft }: { draft: Draft }) {
  if (draft.sources.length === 0)
    return (
      <Typography variant="body2" color="text.secondary" sx={{ mb: 1.5 }}>
        No knowledge sources were used.
      </Typography>
    );
  return (
    <Box sx={{ mb: 1.5 }}>
      <Typography variant="caption" color="text.secondary" component="p">
        Sources
      </Typography>
      <Box component="ul" sx={{ m: 0, pl: 2.5 }}>
        {draft.sources.map((s) => (
          <li key={`${s.kind}:${s.id}`}>
            <Typography variant="body2">
              {s.title}{" "}
              <Typography component="span" variant="caption" color="text.secondary">
                ({s.kind}, match {percent(s.score)})
              </Typography>
            </Typography>
          </li>
        ))}
      </Box>
    </Box>
  );
}

function DraftText({ text }: { text: string | null }) {
  return (
    <Typography
      component="div"
      data-testid="draft-text"
      sx={{
        whiteSpace: "pre-wrap",
        overflowWrap: "anywhere",
        p: 1.5,
        bgcolor: "background.default",
        borderRadius: 1,
        mb: 1.5,
      }}
    >
      {text || "(empty draft)"}
    </Typography>
  );
}

function Review({ draft, conversationId }: { draft: Draft; conversationId: string }) {
  const notify = useNotify();
  const refresh = useRefreshConversation(conversationId);
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(draft.text ?? "");
  const [rejecting, setRejecting] = useState(false);
  const typing = useAgentTyping(conversationId);

  const approve = useMutation({
    mutationFn: (edited: string | null) =>
      unwrap(
        api.POST("/api/v1/drafts/{draft_id}/approve", {
          params: { path: { draft_id: draft.id } },
          body: edited === null ? {} : { text: edited },
        }),
      ),
    onSuccess: (_, edited) => {
      setEditing(false);
      notify(edited === null ? "Reply sent" : "Edited reply sent");
      refresh();
    },
    onError: (error) => {
      notify(errorMessage(error), "error");
      refresh();
    },
  });
  const reject = useMutation({
    mutationFn: (reason: string) =>
      unwrap(
        api.POST("/api/v1/drafts/{draft_id}/reject", {
          params: { path: { draft_id: draft.id } },
          body: { reason },
        }),
      ),
    onSuccess: () => {
      setRejecting(false);
      notify("Draft rejected");
      refresh();
    },
    onError: (error) => notify(errorMessage(error), "error"),
  });
  const busy = approve.isPending || reject.isPending;

  if (editing)
    return (
      <Box>
        <TextField
          label="Reply text"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            typing();
          }}
          multiline
          minRows={4}
          fullWidth
          error={!text.trim()}
          helperText={text.trim() ? "This text is sent to the customer." : "Enter the reply text"}
          slotProps={{ htmlInput: { maxLength: 20_000 } }}
          sx={{ mb: 1.5 }}
        />
        <Box sx={{ display: "flex", gap: 1 }}>
          <Button
            variant="contained"
            disabled={busy || !text.trim()}
            onClick={() => approve.mutate(text.trim())}
          >
            {approve.isPending ? "Sending…" : "Send edited"}
          </Button>
          <Button
            disabled={busy}
            onClick={() => {
              setEditing(false);
              setText(draft.text ?? "");
            }}
          >
            Cancel
          </Button>
        </Box>
      </Box>
    );
  return (
    <>
      <DraftText text={draft.text} />
      <Box sx={{ display: "flex", gap: 1, flexWrap: "wrap" }}>
        <Button
          variant="contained"
          disabled={busy || !draft.text}
          onClick={() => approve.mutate(null)}
        >
          {approve.isPending ? "Sending…" : "Approve and send"}
        </Button>
        <Button variant="outlined" disabled={busy} onClick={() => setEditing(true)}>
          Edit
        </Button>
        <Button color="error" disabled={busy} onClick={() => setRejecting(true)}>
          Reject
        </Button>
      </Box>
      {rejecting ? (
        <RejectDialog
          pending={reject.isPending}
          onClose={() => setRejecting(false)}
          onReject={(reason) => reject.mutate(reason)}
        />
      ) : null}
    </>
  );
}

function LatestDraft({
  draft,
  conversationId,
  messages,
  now,
}: {
  draft: Draft;
  conversationId: string;
  messages: Message[];
  now: number;
}) {
  const canReview = useCan("write:drafts");
  const { byId } = useUsers();
  const reviewer = draft.reviewed_by_id ? userLabel(byId.get(draft.reviewed_by_id)) : null;
  const sent = draft.sent_message_id
    ? messages.find((m) => m.id === draft.sent_message_id)
    : undefined;
  return (
    <Box>
      <Box sx={{ display: "flex", gap: 1, alignItems: "center", mb: 1.5, flexWrap: "wrap" }}>
        <Chip
          size="small"
          color={STATUS_COLOR[draft.status]}
          label={capitalize(draft.status)}
          data-testid="draft-status"
        />
        <Typography variant="body2" color="text.secondary">
          written {relativeTime(draft.created_at, now)}
        </Typography>
      </Box>
      {isInProgress(draft) ? (
        <Box role="status" aria-live="polite">
          <LinearProgress aria-label="Writing the draft" sx={{ mb: 1 }} />
          <Typography color="text.secondary">
            {draft.status === "requested"
              ? "A draft was requested; the AI will start writing shortly."
              : "The AI is writing a reply…"}
          </Typography>
        </Box>
      ) : null}
      {draft.status === "failed" ? (
        <Alert severity="error">
          <AlertTitle>The draft could not be written</AlertTitle>
          {draft.reason ?? "No reason was given."}
        </Alert>
      ) : null}
      {["ready", "approved", "rejected"].includes(draft.status) ? (
        <>
          <Facts draft={draft} />
          <Sources draft={draft} />
          {draft.reason ? (
            <Typography variant="body2" color="text.secondary" sx={{ mb: 1.5 }}>
              Router: {draft.reason}
            </Typography>
          ) : null}
        </>
      ) : null}
      {draft.status === "ready" ? (
        canReview ? (
          <Review key={draft.id} draft={draft} conversationId={conversationId} />
        ) : (
          <DraftText text={draft.text} />
        )
      ) : null}
      {draft.status === "approved" ? (
        <>
          <Alert severity="success" sx={{ mb: 1.5 }} data-testid="draft-sent">
            <AlertTitle>Sent{draft.edited_text !== null ? " (edited)" : ""}</AlertTitle>
            Approved{reviewer ? ` by ${reviewer}` : ""} {absoluteTime(draft.reviewed_at)}.{" "}
            {sent ? (
              <>
                Delivery: <DeliveryChip status={sent.status} />{" "}
                <Link href={`#message-${sent.id}`}>Show in thread</Link>
              </>
            ) : null}
          </Alert>
          <DraftText text={draft.edited_text ?? draft.text} />
        </>
      ) : null}
      {draft.status === "rejected" ? (
        <>
          <Alert severity="info" sx={{ mb: 1.5 }}>
            Rejected{reviewer ? ` by ${reviewer}` : ""}:{" "}
            {draft.rejection_reason ?? "no reason given"}
          </Alert>
          <DraftText text={draft.text} />
        </>
      ) : null}
    </Box>
  );
}

export function DraftPanel({ conversationId, now }: { conversationId: string; now: number }) {
  const canRead = useCan("read:drafts");
  const drafts = useDrafts(conversationId);
  const { messages } = useMessages(conversationId);
  if (!canRead) return null;
  const latest = drafts.data?.items[0];
  const earlier = drafts.data?.items.slice(1) ?? [];
  return (
    <Paper
      component="section"
      aria-labelledby="draft-title"
      sx={{ p: 2, mb: 2 }}
      data-testid="draft-panel"
    >
      <Typography id="draft-title" variant="h2" sx={{ mb: 1.5 }}>
        AI draft
      </Typography>
      {drafts.isPending ? (
        <Loading label="Loading drafts…" />
      ) : drafts.isError && !drafts.data ? (
        <ErrorState error={drafts.error} onRetry={() => void drafts.refetch()} />
      ) : latest ? (
        <LatestDraft draft={latest} conversationId={conversationId} messages={messages} now={now} />
      ) : (
        <Typography color="text.secondary">
          No AI draft for this conversation yet. One is written when a customer message arrives and
          the routing policy allows it.
        </Typography>
      )}
      {earlier.length > 0 ? (
        <Typography variant="body2" color="text.secondary" sx={{ mt: 1.5 }}>
          Earlier drafts:{" "}
          {earlier.map((d) => `${d.status} ${relativeTime(d.created_at, now)}`).join(", ")}
        </Typography>
      ) : null}
    </Paper>
  );
}
