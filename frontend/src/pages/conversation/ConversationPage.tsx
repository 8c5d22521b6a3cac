// One conversation: the header that triages it, the thread with each message's
// classification, the AI draft to review, the customer and the team's internal notes.
// Everything is keyed under ["conversation", id]: live events refresh it in place.
import ArrowBackIcon from "@mui/icons-material/ArrowBack";
import { Box, Link, Paper, Typography } from "@mui/material";
import type { ReactNode } from "react";
import { Link as RouterLink, useLocation, useParams } from "react-router-dom";
import { QueryState } from "../../components/PageState";
import { absoluteTime, capitalize, useNow, type Conversation } from "../inbox/format";
import { contactLabel, useContact } from "../inbox/lookups";
import { ConversationHeader } from "./ConversationHeader";
import { DraftPanel } from "./DraftPanel";
import { NotesPanel } from "./NotesPanel";
import { useConversation, useMessages } from "./queries";
import { senderLabel } from "./model";
import { Thread } from "./Thread";
import { ToastProvider } from "./toast";

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <>
      <Typography component="dt" variant="caption" color="text.secondary">
        {term}
      </Typography>
      <Typography component="dd" sx={{ m: 0, mb: 1, overflowWrap: "anywhere" }}>
        {children}
      </Typography>
    </>
  );
}

function Details({ conversation: c }: { conversation: Conversation }) {
  const contact = useContact(c.contact_id);
  return (
    <Paper component="section" aria-labelledby="details-title" sx={{ p: 2, mb: 2 }}>
      <Typography id="details-title" variant="h2" sx={{ mb: 1.5 }}>
        Customer
      </Typography>
      <Box component="dl" sx={{ m: 0 }}>
        {contact.data ? (
          <>
            <Fact term="Name">{contact.data.name ?? "–"}</Fact>
            <Fact term="Email">{contact.data.email ?? "–"}</Fact>
            {contact.data.phone ? <Fact term="Phone">{contact.data.phone}</Fact> : null}
          </>
        ) : (
          <Fact term="Contact">
            {!c.contact_id
              ? "No contact recorded"
              : contact.isError
                ? "Could not load the contact"
                : contact.isPending && contact.fetchStatus !== "idle"
                  ? "Loading…"
                  : "Not visible to you"}
          </Fact>
        )}
        <Fact term="Status">{capitalize(c.status)}</Fact>
        {c.intent ? <Fact term="Intent">{c.intent}</Fact> : null}
        {c.category ? <Fact term="Category">{c.category}</Fact> : null}
        {c.language ? <Fact term="Language">{c.language.toUpperCase()}</Fact> : null}
        <Fact term="Opened">{absoluteTime(c.created_at)}</Fact>
        <Fact term="Last activity">{absoluteTime(c.last_message_at)}</Fact>
        {c.resolved_at ? <Fact term="Resolved">{absoluteTime(c.resolved_at)}</Fact> : null}
        {c.tags.length ? <Fact term="Tags">{c.tags.join(", ")}</Fact> : null}
      </Box>
    </Paper>
  );
}

function ConversationView({ conversation: c }: { conversation: Conversation }) {
  const now = useNow();
  const contact = useContact(c.contact_id);
  const { messages } = useMessages(c.id);
  const firstInbound = messages.find((m) => m.direction === "inbound");
  const customer =
    contactLabel(contact.data) ?? (firstInbound ? senderLabel(firstInbound.sender) : null);
  return (
    <>
      <ConversationHeader conversation={c} customer={customer} now={now} />
      <Box
        sx={{
          display: "grid",
          gap: 2,
          gridTemplateColumns: { xs: "minmax(0, 1fr)", lg: "minmax(0, 2fr) minmax(300px, 1fr)" },
          alignItems: "start",
        }}
      >
        <Box sx={{ minWidth: 0 }}>
          <Thread conversationId={c.id} subject={c.subject} now={now} />
          <DraftPanel conversationId={c.id} now={now} />
        </Box>
        <Box sx={{ minWidth: 0 }}>
          <Details conversation={c} />
          <NotesPanel conversationId={c.id} now={now} />
        </Box>
      </Box>
    </>
  );
}

export default function ConversationPage() {
  const { id = "" } = useParams();
  const conversation = useConversation(id);
  const from = (useLocation().state as { inbox?: unknown } | null)?.inbox;
  const inbox = typeof from === "string" && from.startsWith("?") ? `/inbox${from}` : "/inbox";
  return (
    <ToastProvider>
      <Link
        component={RouterLink}
        to={inbox}
        sx={{ display: "inline-flex", alignItems: "center", gap: 0.5, mb: 1 }}
      >
        <ArrowBackIcon fontSize="small" aria-hidden /> Back to inbox
      </Link>
      <QueryState query={conversation} loadingLabel="Loading conversation…">
        {(c) => <ConversationView conversation={c} />}
      </QueryState>
    </ToastProvider>
  );
}
