// The conversation's header: subject, channel and customer, and the controls that triage it
// (status, priority, assignee). Viewers see the same facts as read-only chips.
import {
  Box,
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControl,
  InputLabel,
  MenuItem,
  Select,
  TextField,
  Typography,
} from "@mui/material";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { api, errorMessage, unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { useAuth, useCan } from "../../auth/store";
import { PageHeader } from "../../components/PageHeader";
import {
  absoluteTime,
  capitalize,
  PRIORITIES,
  PRIORITY_COLOR,
  relativeTime,
  STATUSES,
  type Conversation,
  type ConversationStatus,
  type Priority,
} from "../inbox/format";
import { SlaChip } from "../inbox/InboxTable";
import { userLabel, useUsers } from "../inbox/lookups";
import { keys } from "./queries";
import { TemplateDialog } from "./TemplateDialog";
import { useNotify } from "./toast";

type Update = components["schemas"]["ConversationUpdate"];

function Control({
  id,
  label,
  value,
  onChange,
  disabled,
  children,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  disabled: boolean;
  children: ReactNode;
}) {
  return (
    <FormControl size="small" sx={{ minWidth: 150 }}>
      <InputLabel id={`${id}-label`}>{label}</InputLabel>
      <Select
        labelId={`${id}-label`}
        id={id}
        label={label}
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value)}
      >
        {children}
      </Select>
    </FormControl>
  );
}

/** Tomorrow at 09:00 local time, as a datetime-local value. */
function tomorrowMorning(): string {
  const d = new Date();
  d.setDate(d.getDate() + 1);
  d.setHours(9, 0, 0, 0);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T09:00`;
}

function SnoozeDialog({
  open,
  pending,
  onClose,
  onSnooze,
}: {
  open: boolean;
  pending: boolean;
  onClose: () => void;
  onSnooze: (until: string) => void;
}) {
  const [until, setUntil] = useState(tomorrowMorning);
  const [error, setError] = useState<string | null>(null);
  const submit = () => {
    const when = new Date(until);
    if (!until || Number.isNaN(when.getTime()) || when.getTime() <= Date.now()) {
      setError("Pick a moment in the future");
      return;
    }
    onSnooze(when.toISOString());
  };
  return (
    <Dialog open={open} onClose={onClose} aria-labelledby="snooze-title">
      <DialogTitle id="snooze-title">Snooze conversation</DialogTitle>
      <DialogContent>
        <Typography color="text.secondary" sx={{ mb: 2 }}>
          It leaves the open queue; a new message from the customer reopens it. The date is kept as
          a reminder for the team.
        </Typography>
        <TextField
          label="Snooze until"
          type="datetime-local"
          value={until}
          onChange={(e) => {
            setUntil(e.target.value);
            setError(null);
          }}
          error={!!error}
          helperText={error ?? " "}
          fullWidth
          slotProps={{ inputLabel: { shrink: true } }}
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="contained" onClick={submit} disabled={pending}>
          Snooze
        </Button>
      </DialogActions>
    </Dialog>
  );
}

export function ConversationHeader({
  conversation: c,
  customer,
  now,
}: {
  conversation: Conversation;
  customer: string | null;
  now: number;
}) {
  const canWrite = useCan("write:conversations");
  const myId = useAuth((s) => s.user?.id ?? null);
  const { users, byId } = useUsers();
  const client = useQueryClient();
  const notify = useNotify();
  const [snoozing, setSnoozing] = useState(false);
  const [templating, setTemplating] = useState(false);
  const canReply = useCan("write:messages");

  const patch = useMutation({
    mutationFn: ({ body }: { body: Update; done: string }) =>
      unwrap(
        api.PATCH("/api/v1/conversations/{conversation_id}", {
          params: { path: { conversation_id: c.id } },
          body,
        }),
      ),
    onSuccess: (row, { done }) => {
      client.setQueryData(keys.conversation(c.id), row);
      void client.invalidateQueries({ queryKey: ["conversations"] });
      setSnoozing(false);
      notify(done);
    },
    onError: (error) => notify(errorMessage(error), "error"),
  });
  const send = (body: Update, done: string) => patch.mutate({ body, done });

  const assigneeName =
    c.assignee_id === null
      ? "Unassigned"
      : c.assignee_id === myId
        ? "Me"
        : (userLabel(byId.get(c.assignee_id)) ?? "Another agent");
  const assigneeListed = c.assignee_id === null || users.some((u) => u.id === c.assignee_id);

  return (
    <Box component="header" sx={{ mb: 2 }}>
      <PageHeader title={c.subject || "(no subject)"} />
      <Box
        sx={{ display: "flex", gap: 1, alignItems: "center", flexWrap: "wrap", mt: -1, mb: 2 }}
        color="text.secondary"
      >
        <Chip
          size="small"
          variant="outlined"
          label={c.channel}
          aria-label={`Channel ${c.channel}`}
        />
        <span>{customer ?? "Unknown customer"}</span>
        <span aria-hidden>·</span>
        <span title={absoluteTime(c.created_at)}>opened {relativeTime(c.created_at, now)}</span>
        <SlaChip conversation={c} now={now} />
        {c.status === "snoozed" && c.snoozed_until ? (
          <span>snoozed until {absoluteTime(c.snoozed_until)}</span>
        ) : null}
      </Box>
      {canWrite ? (
        <Box sx={{ display: "flex", gap: 1.5, flexWrap: "wrap", alignItems: "center" }}>
          <Control
            id="conversation-status"
            label="Status"
            value={c.status}
            disabled={patch.isPending}
            onChange={(v) => {
              if (v === "snoozed") setSnoozing(true);
              else send({ status: v as ConversationStatus }, `Status changed to ${v}`);
            }}
          >
            {STATUSES.map((s) => (
              <MenuItem key={s} value={s}>
                {capitalize(s)}
              </MenuItem>
            ))}
          </Control>
          <Control
            id="conversation-priority"
            label="Priority"
            value={c.priority}
            disabled={patch.isPending}
            onChange={(v) => send({ priority: v as Priority }, `Priority changed to ${v}`)}
          >
            {PRIORITIES.map((p) => (
              <MenuItem key={p} value={p}>
                {capitalize(p)}
              </MenuItem>
            ))}
          </Control>
          <Control
            id="conversation-assignee"
            label="Assignee"
            value={c.assignee_id ?? ""}
            disabled={patch.isPending}
            onChange={(v) => {
              const user = byId.get(v);
              send(
                { assignee_id: v || null },
                v ? `Assigned to ${userLabel(user) ?? "the agent"}` : "Unassigned",
              );
            }}
          >
            <MenuItem value="">Unassigned</MenuItem>
            {users.map((u) => (
              <MenuItem key={u.id} value={u.id}>
                {u.id === myId ? `${userLabel(u)} (me)` : userLabel(u)}
              </MenuItem>
            ))}
            {assigneeListed ? null : (
              <MenuItem value={c.assignee_id ?? ""}>{assigneeName}</MenuItem>
            )}
          </Control>
          {myId && c.assignee_id !== myId ? (
            <Button
              variant="outlined"
              disabled={patch.isPending}
              onClick={() => send({ assignee_id: myId }, "Assigned to you")}
            >
              Assign to me
            </Button>
          ) : null}
          {canReply && c.channel === "whatsapp" ? (
            <Button variant="outlined" onClick={() => setTemplating(true)}>
              Send template
            </Button>
          ) : null}
        </Box>
      ) : (
        <Box sx={{ display: "flex", gap: 1, flexWrap: "wrap" }} aria-label="Conversation details">
          <Chip label={`Status: ${capitalize(c.status)}`} />
          <Chip color={PRIORITY_COLOR[c.priority]} label={`Priority: ${capitalize(c.priority)}`} />
          <Chip variant="outlined" label={`Assignee: ${assigneeName}`} />
        </Box>
      )}
      {templating ? (
        <TemplateDialog conversationId={c.id} onClose={() => setTemplating(false)} />
      ) : null}
      {snoozing ? (
        <SnoozeDialog
          open
          pending={patch.isPending}
          onClose={() => setSnoozing(false)}
          onSnooze={(until) =>
            send(
              { status: "snoozed", snoozed_until: until },
              `Snoozed until ${absoluteTime(until)}`,
            )
          }
        />
      ) : null}
    </Box>
  );
}
