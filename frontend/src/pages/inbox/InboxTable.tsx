// The inbox's rows. Each row's subject is a real link (keyboard and screen-reader friendly);
// a click anywhere else on the row follows it too.
import {
  Box,
  Chip,
  Link,
  Paper,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  Tooltip,
  Typography,
} from "@mui/material";
import { Link as RouterLink, useLocation, useNavigate } from "react-router-dom";
import {
  absoluteTime,
  capitalize,
  PRIORITY_COLOR,
  relativeTime,
  slaState,
  type Conversation,
} from "./format";
import { contactLabel, userLabel, type Contact, type User } from "./lookups";

const SENTIMENT_COLOR: Record<string, "error" | "success" | "default"> = {
  negative: "error",
  positive: "success",
  neutral: "default",
};

export function SentimentChip({ sentiment }: { sentiment: string | null }) {
  if (!sentiment) return <Typography color="text.secondary">–</Typography>;
  return (
    <Chip
      size="small"
      variant="outlined"
      color={SENTIMENT_COLOR[sentiment] ?? "default"}
      label={capitalize(sentiment)}
    />
  );
}

export function SlaChip({ conversation, now }: { conversation: Conversation; now: number }) {
  const state = slaState(conversation, now);
  if (state === "overdue")
    return <Chip size="small" color="error" label="Overdue" data-testid="sla-overdue" />;
  if (state === "due-soon")
    return <Chip size="small" color="warning" variant="outlined" label="Due soon" />;
  return null;
}

export function InboxTable({
  rows,
  contacts,
  users,
  myId,
  fresh,
  now,
}: {
  rows: Conversation[];
  contacts: Map<string, Contact>;
  users: Map<string, User>;
  myId: string | null;
  /** ids of conversations that arrived after the page first loaded */
  fresh: Set<string>;
  now: number;
}) {
  const navigate = useNavigate();
  // The conversation page's "Back to inbox" returns to this very view (filters included).
  const back = { inbox: useLocation().search };
  return (
    <TableContainer component={Paper}>
      <Table size="small" aria-label="Conversations" data-testid="inbox-list">
        <TableHead>
          <TableRow>
            <TableCell>Conversation</TableCell>
            <TableCell>Channel</TableCell>
            <TableCell>Intent / category</TableCell>
            <TableCell>Sentiment</TableCell>
            <TableCell>Priority</TableCell>
            <TableCell>Language</TableCell>
            <TableCell>Assignee</TableCell>
            <TableCell>Last activity</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.map((c) => {
            const customer = c.contact_id ? contactLabel(contacts.get(c.contact_id)) : null;
            const assignee =
              c.assignee_id === null
                ? null
                : c.assignee_id === myId
                  ? "Me"
                  : (userLabel(users.get(c.assignee_id)) ?? "Another agent");
            return (
              <TableRow
                key={c.id}
                hover
                data-testid="conversation-row"
                onClick={(e) => {
                  if ((e.target as HTMLElement).closest("a")) return;
                  navigate(`/conversations/${c.id}`, { state: back });
                }}
                sx={{
                  cursor: "pointer",
                  bgcolor: fresh.has(c.id) ? "action.hover" : undefined,
                }}
              >
                <TableCell sx={{ maxWidth: 360 }}>
                  <Box sx={{ display: "flex", gap: 1, alignItems: "center" }}>
                    <Link
                      component={RouterLink}
                      to={`/conversations/${c.id}`}
                      state={back}
                      underline="hover"
                      sx={{ fontWeight: 600, overflowWrap: "anywhere" }}
                    >
                      {c.subject || "(no subject)"}
                    </Link>
                    {fresh.has(c.id) ? <Chip size="small" color="primary" label="New" /> : null}
                  </Box>
                  <Typography variant="body2" color="text.secondary" noWrap>
                    {customer ?? (c.contact_id ? "Customer" : "Unknown customer")}
                  </Typography>
                </TableCell>
                <TableCell>
                  <Chip size="small" variant="outlined" label={c.channel} />
                </TableCell>
                <TableCell>
                  <Box sx={{ display: "flex", gap: 0.5, flexWrap: "wrap" }}>
                    {c.intent ? <Chip size="small" label={c.intent} title="Intent" /> : null}
                    {c.category ? (
                      <Chip size="small" variant="outlined" label={c.category} title="Category" />
                    ) : null}
                    {!c.intent && !c.category ? (
                      <Typography color="text.secondary">Unclassified</Typography>
                    ) : null}
                  </Box>
                </TableCell>
                <TableCell>
                  <SentimentChip sentiment={c.sentiment} />
                </TableCell>
                <TableCell>
                  <Chip
                    size="small"
                    color={PRIORITY_COLOR[c.priority]}
                    label={capitalize(c.priority)}
                  />
                </TableCell>
                <TableCell>{c.language ? c.language.toUpperCase() : "–"}</TableCell>
                <TableCell>
                  {assignee ?? <Typography color="text.secondary">Unassigned</Typography>}
                </TableCell>
                <TableCell sx={{ whiteSpace: "nowrap" }}>
                  <Tooltip title={absoluteTime(c.last_message_at)}>
                    <Box component="span">{relativeTime(c.last_message_at, now)}</Box>
                  </Tooltip>{" "}
                  <SlaChip conversation={c} now={now} />
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
