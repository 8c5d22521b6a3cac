// One message of the thread: who wrote it and when, its delivery status (outbound), and for
// inbound messages what the models made of it, with personal data masked until asked for.
import CallMadeIcon from "@mui/icons-material/CallMade";
import CallReceivedIcon from "@mui/icons-material/CallReceived";
import CheckIcon from "@mui/icons-material/Check";
import ErrorOutlineIcon from "@mui/icons-material/ErrorOutline";
import ScheduleIcon from "@mui/icons-material/Schedule";
import VisibilityIcon from "@mui/icons-material/Visibility";
import VisibilityOffIcon from "@mui/icons-material/VisibilityOff";
import { alpha, Box, Button, Chip, Paper, Tooltip, Typography } from "@mui/material";
import { useState } from "react";
import { useCan } from "../../auth/store";
import { absoluteTime, capitalize, percent, relativeTime } from "../inbox/format";
import { SentimentChip } from "../inbox/InboxTable";
import { LabelDialog } from "./LabelDialog";
import {
  classifiedText,
  readClassification,
  senderLabel,
  type Classification,
  type Message,
  type PiiSpan,
} from "./model";
import { segments } from "./pii";
import { useMessageLabels } from "./queries";

export function DeliveryChip({ status }: { status: string | null }) {
  const value = status ?? "queued";
  const icon =
    value === "sent" ? <CheckIcon /> : value === "failed" ? <ErrorOutlineIcon /> : <ScheduleIcon />;
  const color = value === "sent" ? "success" : value === "failed" ? "error" : "default";
  return (
    <Chip
      size="small"
      icon={icon}
      color={color}
      variant="outlined"
      label={capitalize(value)}
      data-testid="message-status"
    />
  );
}

function PiiText({ text, spans, revealed }: { text: string; spans: PiiSpan[]; revealed: boolean }) {
  return (
    <Typography component="div" sx={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
      {segments(text, spans).map((s, i) =>
        s.pii === null ? (
          <span key={i}>{s.text}</span>
        ) : revealed ? (
          <Box
            component="mark"
            key={i}
            title={`${s.pii} (personal data)`}
            sx={{ bgcolor: "warning.light", borderRadius: 0.5, px: 0.25 }}
          >
            {s.text}
          </Box>
        ) : (
          <Box
            component="span"
            key={i}
            data-testid="pii-mask"
            aria-label={`hidden ${s.pii}`}
            sx={{ bgcolor: "grey.300", borderRadius: 0.5, px: 0.5, fontSize: "0.85em" }}
          >
            ••• {s.pii}
          </Box>
        ),
      )}
    </Typography>
  );
}

function ClassificationView({ c }: { c: Classification }) {
  return (
    <Box
      sx={{ display: "flex", gap: 0.75, flexWrap: "wrap", alignItems: "center", mt: 1 }}
      aria-label="Classification"
      data-testid="classification"
    >
      {c.intent ? (
        <Tooltip
          title={
            c.intent.runnerUp
              ? `Runner-up: ${c.intent.runnerUp.label} (${percent(c.intent.runnerUp.confidence)})`
              : "No runner-up"
          }
        >
          <Chip
            size="small"
            color="primary"
            label={`Intent: ${c.intent.label} · ${percent(c.intent.confidence)}`}
          />
        </Tooltip>
      ) : null}
      {c.category ? (
        <Chip
          size="small"
          variant="outlined"
          label={`Category: ${c.category.label} · ${percent(c.category.confidence)}`}
        />
      ) : null}
      {c.sentiment ? <SentimentChip sentiment={c.sentiment.label} /> : null}
      {c.priority ? (
        <Tooltip title={c.priority.reasons.length ? c.priority.reasons.join("; ") : "No reasons"}>
          <Chip size="small" variant="outlined" label={`Priority: ${c.priority.label}`} />
        </Tooltip>
      ) : null}
      {c.language ? (
        <Chip size="small" variant="outlined" label={`Language: ${c.language.label}`} />
      ) : null}
      {c.needsReview ? <Chip size="small" color="warning" label="Needs review" /> : null}
      {c.modelVersion ? (
        <Typography variant="caption" color="text.secondary">
          Model {c.modelVersion}
        </Typography>
      ) : null}
    </Box>
  );
}

function AgentLabels({ conversationId, messageId }: { conversationId: string; messageId: string }) {
  const labels = useMessageLabels(conversationId, messageId, true);
  const items = labels.data?.items ?? [];
  if (items.length === 0) return null;
  // newest first: keep the latest label per head
  const latest = new Map<string, (typeof items)[number]>();
  for (const item of items) if (!latest.has(item.head)) latest.set(item.head, item);
  return (
    <Box sx={{ display: "flex", gap: 0.75, flexWrap: "wrap", mt: 1 }}>
      {[...latest.values()].map((l) => (
        <Chip
          key={l.id}
          size="small"
          color="success"
          variant="outlined"
          icon={<CheckIcon />}
          label={
            l.confirmed
              ? `${l.head} confirmed: ${l.new_label}`
              : `${l.head} corrected: ${l.new_label}`
          }
        />
      ))}
    </Box>
  );
}

export function MessageItem({
  message: m,
  conversationSubject,
  authorName,
  knownIntents,
  knownCategories,
  now,
}: {
  message: Message;
  conversationSubject: string | null;
  authorName: string | null;
  knownIntents: string[];
  knownCategories: string[];
  now: number;
}) {
  const canLabel = useCan("write:labels");
  const [revealed, setRevealed] = useState(false);
  const [labelling, setLabelling] = useState(false);
  const inbound = m.direction === "inbound";
  const c = inbound ? readClassification(m.classification, m.model_version) : null;
  const spans = c?.pii ?? [];
  const onSubject = classifiedText(m) === "subject";
  const at = m.received_at ?? m.sent_at ?? m.created_at;
  const who = inbound ? (senderLabel(m.sender) ?? "Customer") : (authorName ?? "Agent");
  const showSubject = !!m.subject && (m.subject !== conversationSubject || onSubject);
  const attachments = m.attachments.flatMap((a) => {
    const name = (a as { filename?: unknown })?.filename;
    return typeof name === "string" ? [name] : [];
  });

  return (
    <Paper
      component="li"
      id={`message-${m.id}`}
      data-testid="message"
      data-direction={m.direction}
      aria-label={`${inbound ? "Message from" : "Reply by"} ${who}, ${absoluteTime(at)}`}
      sx={{
        p: 2,
        listStyle: "none",
        ml: inbound ? 0 : { xs: 2, md: 8 },
        mr: inbound ? { xs: 2, md: 8 } : 0,
        bgcolor: inbound ? "background.paper" : (t) => alpha(t.palette.primary.main, 0.05),
        borderColor: inbound ? "divider" : "primary.light",
      }}
    >
      <Box sx={{ display: "flex", gap: 1, alignItems: "center", flexWrap: "wrap", mb: 1 }}>
        {inbound ? (
          <CallReceivedIcon fontSize="small" color="action" aria-hidden />
        ) : (
          <CallMadeIcon fontSize="small" color="primary" aria-hidden />
        )}
        <Typography variant="subtitle2" component="span">
          {who}
        </Typography>
        <Typography variant="body2" color="text.secondary" component="span">
          {inbound ? "Customer" : "Agent reply"} ·{" "}
          <time dateTime={at} title={absoluteTime(at)}>
            {relativeTime(at, now)}
          </time>
        </Typography>
        <Box sx={{ flex: 1 }} />
        {inbound ? null : <DeliveryChip status={m.status} />}
      </Box>
      {showSubject ? (
        <Typography variant="subtitle2" component="div" sx={{ mb: 0.5 }}>
          {onSubject ? (
            <PiiText text={m.subject ?? ""} spans={spans} revealed={revealed} />
          ) : (
            m.subject
          )}
        </Typography>
      ) : null}
      {m.text.trim() ? (
        <PiiText text={m.text} spans={onSubject ? [] : spans} revealed={revealed} />
      ) : (
        <Typography color="text.secondary">(no text)</Typography>
      )}
      {attachments.length ? (
        <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
          Attachments: {attachments.join(", ")}
        </Typography>
      ) : null}
      {!inbound && m.status === "failed" && m.error ? (
        <Typography variant="body2" color="error" sx={{ mt: 1 }} data-testid="delivery-error">
          Not delivered: {m.error}
        </Typography>
      ) : null}
      {c ? <ClassificationView c={c} /> : null}
      {c ? <AgentLabels conversationId={m.conversation_id} messageId={m.id} /> : null}
      {spans.length > 0 || (c && canLabel) ? (
        <Box sx={{ display: "flex", gap: 1, mt: 1, alignItems: "center", flexWrap: "wrap" }}>
          {spans.length > 0 ? (
            <Button
              size="small"
              startIcon={revealed ? <VisibilityOffIcon /> : <VisibilityIcon />}
              aria-pressed={revealed}
              onClick={() => setRevealed((r) => !r)}
            >
              {revealed ? "Hide PII" : "Show PII"}
            </Button>
          ) : null}
          {spans.length > 0 && !revealed ? (
            <Typography variant="caption" color="text.secondary">
              {spans.length} personal data {spans.length === 1 ? "item" : "items"} hidden
            </Typography>
          ) : null}
          {c && canLabel ? (
            <Button size="small" onClick={() => setLabelling(true)}>
              Correct label
            </Button>
          ) : null}
        </Box>
      ) : null}
      {labelling && c ? (
        <LabelDialog
          conversationId={m.conversation_id}
          messageId={m.id}
          classification={c}
          knownIntents={knownIntents}
          knownCategories={knownCategories}
          onClose={() => setLabelling(false)}
        />
      ) : null}
    </Paper>
  );
}
