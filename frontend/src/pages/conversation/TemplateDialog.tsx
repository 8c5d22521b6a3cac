// WhatsApp: once 24 hours have passed since the customer's last message, only a template the
// provider approved can be sent. The agent names it, fills its body parameters, and writes what
// it says (kept as the message's text in the thread).
import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  Stack,
  TextField,
} from "@mui/material";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api, errorMessage, unwrap } from "../../api/client";
import { useRefreshConversation } from "./queries";
import { useNotify } from "./toast";

const NAME = /^[a-z0-9_]{1,512}$/;
const LANGUAGE = /^[a-z]{2,3}(_[A-Z]{2})?$/;

export function templateBody(name: string, language: string, parameters: string, text: string) {
  const values = parameters
    .split("\n")
    .map((p) => p.trim())
    .filter(Boolean);
  const components = values.length
    ? [{ type: "body", parameters: values.map((value) => ({ type: "text", text: value })) }]
    : [];
  return {
    text: text.trim(),
    template: { name: name.trim(), language: language.trim(), components },
  };
}

export function TemplateDialog({
  conversationId,
  onClose,
}: {
  conversationId: string;
  onClose: () => void;
}) {
  const notify = useNotify();
  const refresh = useRefreshConversation(conversationId);
  const [name, setName] = useState("");
  const [language, setLanguage] = useState("en_US");
  const [parameters, setParameters] = useState("");
  const [text, setText] = useState("");
  const [touched, setTouched] = useState(false);
  const errors = {
    name: NAME.test(name.trim()) ? null : "Lower-case letters, digits and _ (as approved)",
    language: LANGUAGE.test(language.trim()) ? null : "A language code such as en_US",
    text: text.trim() ? null : "Write what the template says, for the thread",
  };
  const send = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/v1/conversations/{conversation_id}/messages", {
          params: { path: { conversation_id: conversationId } },
          body: templateBody(name, language, parameters, text),
        }),
      ),
    onSuccess: () => {
      notify("Template queued");
      refresh();
      onClose();
    },
    onError: (error) => notify(errorMessage(error), "error"),
  });
  const submit = () => {
    setTouched(true);
    if (!errors.name && !errors.language && !errors.text) send.mutate();
  };
  const show = (error: string | null) => (touched ? error : null);
  return (
    <Dialog open onClose={onClose} aria-labelledby="template-title" fullWidth maxWidth="sm">
      <DialogTitle id="template-title">Send an approved template</DialogTitle>
      <DialogContent>
        <DialogContentText sx={{ mb: 2 }}>
          WhatsApp accepts free text only within 24 hours of the customer&apos;s last message; after
          that, only a template approved in your WhatsApp Manager.
        </DialogContentText>
        <Stack spacing={2}>
          <TextField
            autoFocus
            required
            label="Template name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={!!show(errors.name)}
            helperText={show(errors.name) ?? "e.g. order_update"}
          />
          <TextField
            required
            label="Language"
            value={language}
            onChange={(e) => setLanguage(e.target.value)}
            error={!!show(errors.language)}
            helperText={show(errors.language) ?? "the approved translation"}
          />
          <TextField
            label="Body parameters"
            value={parameters}
            onChange={(e) => setParameters(e.target.value)}
            multiline
            minRows={2}
            helperText="One per line, in order: {{1}}, {{2}}…"
          />
          <TextField
            required
            label="What it says"
            value={text}
            onChange={(e) => setText(e.target.value)}
            multiline
            minRows={2}
            error={!!show(errors.text)}
            helperText={show(errors.text) ?? "shown in the thread"}
          />
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="contained" onClick={submit} disabled={send.isPending}>
          {send.isPending ? "Sending…" : "Send template"}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
