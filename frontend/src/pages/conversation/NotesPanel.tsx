// Internal notes: the team's remarks on the conversation, never sent to the customer.
import DeleteOutlineIcon from "@mui/icons-material/DeleteOutline";
import LockIcon from "@mui/icons-material/Lock";
import {
  Alert,
  alpha,
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  IconButton,
  Paper,
  TextField,
  Tooltip,
  Typography,
} from "@mui/material";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api, errorMessage, unwrap } from "../../api/client";
import { useAuth, useCan } from "../../auth/store";
import { ErrorState, Loading } from "../../components/PageState";
import { absoluteTime, relativeTime } from "../inbox/format";
import type { Note } from "./model";
import { useNotes, useRefreshConversation } from "./queries";
import { useNotify } from "./toast";

const MAX_NOTE = 10_000;

function AddNote({ conversationId }: { conversationId: string }) {
  const notify = useNotify();
  const refresh = useRefreshConversation(conversationId);
  const [body, setBody] = useState("");
  const [error, setError] = useState<string | null>(null);
  const add = useMutation({
    mutationFn: (text: string) =>
      unwrap(
        api.POST("/api/v1/conversations/{conversation_id}/notes", {
          params: { path: { conversation_id: conversationId } },
          body: { body: text },
        }),
      ),
    onSuccess: () => {
      setBody("");
      notify("Note added");
      refresh();
    },
    onError: (e) => setError(errorMessage(e)),
  });
  return (
    <Box
      component="form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const text = body.trim();
        if (!text) {
          setError("Write the note first");
          return;
        }
        add.mutate(text);
      }}
    >
      <TextField
        label="Add an internal note"
        value={body}
        onChange={(e) => {
          setBody(e.target.value);
          setError(null);
        }}
        multiline
        minRows={2}
        fullWidth
        error={!!error}
        helperText={error ?? "Internal — not sent to the customer"}
        slotProps={{ htmlInput: { maxLength: MAX_NOTE } }}
      />
      <Button type="submit" variant="outlined" sx={{ mt: 1 }} disabled={add.isPending}>
        {add.isPending ? "Adding…" : "Add note"}
      </Button>
    </Box>
  );
}

export function NotesPanel({ conversationId, now }: { conversationId: string; now: number }) {
  const canWrite = useCan("write:conversations");
  const me = useAuth((s) => s.user);
  const notify = useNotify();
  const refresh = useRefreshConversation(conversationId);
  const { query, notes } = useNotes(conversationId);
  const [deleting, setDeleting] = useState<Note | null>(null);
  const remove = useMutation({
    mutationFn: (noteId: string) =>
      unwrap(api.DELETE("/api/v1/notes/{note_id}", { params: { path: { note_id: noteId } } })),
    onSuccess: () => {
      setDeleting(null);
      notify("Note deleted");
      refresh();
    },
    onError: (e) => notify(errorMessage(e), "error"),
  });

  return (
    <Paper
      component="section"
      aria-labelledby="notes-title"
      sx={{ p: 2, mb: 2, bgcolor: (t) => alpha(t.palette.warning.light, 0.08) }}
      data-testid="notes-panel"
    >
      <Box sx={{ display: "flex", gap: 1, alignItems: "center", mb: 1 }}>
        <LockIcon fontSize="small" aria-hidden />
        <Typography id="notes-title" variant="h2">
          Internal notes
        </Typography>
      </Box>
      <Alert severity="warning" icon={false} sx={{ mb: 1.5, py: 0 }}>
        Internal — not sent to the customer. Only your team sees these notes.
      </Alert>
      {query.isPending ? (
        <Loading label="Loading notes…" />
      ) : query.isError && !query.data ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      ) : notes.length === 0 ? (
        <Typography color="text.secondary" sx={{ mb: 1.5 }}>
          No notes yet.
        </Typography>
      ) : (
        <Box component="ul" aria-label="Notes" sx={{ listStyle: "none", p: 0, m: 0, mb: 1.5 }}>
          {notes.map((n) => (
            <Box
              component="li"
              key={n.id}
              data-testid="note"
              sx={{ py: 1, borderBottom: 1, borderColor: "divider" }}
            >
              <Box sx={{ display: "flex", gap: 1, alignItems: "center" }}>
                <Typography variant="subtitle2" component="span">
                  {n.author_name ?? "Former member"}
                </Typography>
                <Typography variant="caption" color="text.secondary" sx={{ flex: 1 }}>
                  <time dateTime={n.created_at} title={absoluteTime(n.created_at)}>
                    {relativeTime(n.created_at, now)}
                  </time>
                </Typography>
                {canWrite && (n.author_id === me?.id || me?.role === "admin") ? (
                  <Tooltip title="Delete note">
                    <IconButton
                      size="small"
                      aria-label={`Delete note by ${n.author_name ?? "former member"}`}
                      disabled={remove.isPending}
                      onClick={() => setDeleting(n)}
                    >
                      <DeleteOutlineIcon fontSize="small" />
                    </IconButton>
                  </Tooltip>
                ) : null}
              </Box>
              <Typography sx={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
                {n.body}
              </Typography>
            </Box>
          ))}
        </Box>
      )}
      {query.hasNextPage ? (
        <Button
          size="small"
          onClick={() => void query.fetchNextPage()}
          disabled={query.isFetchingNextPage}
          sx={{ mb: 1 }}
        >
          Load more notes
        </Button>
      ) : null}
      {canWrite ? <AddNote conversationId={conversationId} /> : null}
      <Dialog
        open={deleting !== null}
        onClose={() => setDeleting(null)}
        aria-labelledby="delete-note-title"
      >
        <DialogTitle id="delete-note-title">Delete this note?</DialogTitle>
        <DialogContent>
          <DialogContentText sx={{ whiteSpace: "pre-wrap" }}>{deleting?.body}</DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setDeleting(null)}>Cancel</Button>
          <Button
            color="error"
            variant="contained"
            disabled={remove.isPending}
            onClick={() => deleting && remove.mutate(deleting.id)}
          >
            Delete
          </Button>
        </DialogActions>
      </Dialog>
    </Paper>
  );
}
