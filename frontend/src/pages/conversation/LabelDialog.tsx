// "Correct label": the agent says what the message really is. Each changed head is one
// POST /api/v1/messages/{id}/labels, which becomes a training example for the next model.
import {
  Alert,
  Autocomplete,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControl,
  InputLabel,
  MenuItem,
  Select,
  Stack,
  TextField,
  Typography,
} from "@mui/material";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, errorMessage, unwrap } from "../../api/client";
import { capitalize, PRIORITIES } from "../inbox/format";
import type { Classification, LabelHead } from "./model";
import { keys } from "./queries";
import { useNotify } from "./toast";

const SENTIMENTS = ["negative", "neutral", "positive"];
const MAX_LABEL = 80;

type Values = Record<LabelHead, string>;

function initial(c: Classification): Values {
  return {
    intent: c.intent?.label ?? "",
    category: c.category?.label ?? "",
    sentiment: c.sentiment?.label ?? "",
    priority: c.priority?.label ?? "",
  };
}

function distinct(values: (string | null | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => !!v))].sort();
}

export function LabelDialog({
  conversationId,
  messageId,
  classification,
  knownIntents,
  knownCategories,
  onClose,
}: {
  conversationId: string;
  messageId: string;
  classification: Classification;
  knownIntents: string[];
  knownCategories: string[];
  onClose: () => void;
}) {
  const client = useQueryClient();
  const notify = useNotify();
  const before = initial(classification);
  const [values, setValues] = useState<Values>(before);
  const [problem, setProblem] = useState<string | null>(null);
  const set = (head: LabelHead, value: string) => {
    setValues((v) => ({ ...v, [head]: value }));
    setProblem(null);
  };

  const save = useMutation({
    mutationFn: async (changes: [LabelHead, string][]) => {
      for (const [head, label] of changes) {
        await unwrap(
          api.POST("/api/v1/messages/{message_id}/labels", {
            params: { path: { message_id: messageId } },
            body: { head, label },
          }),
        );
      }
      return changes;
    },
    onSuccess: (changes) => {
      void client.invalidateQueries({ queryKey: keys.labels(conversationId, messageId) });
      notify(
        `Label saved (${changes.map(([h, l]) => `${h}: ${l}`).join(", ")}). It will train the next model.`,
      );
      onClose();
    },
    onError: (error) => {
      void client.invalidateQueries({ queryKey: keys.labels(conversationId, messageId) });
      setProblem(errorMessage(error));
    },
  });

  const submit = () => {
    const changes = (Object.keys(values) as LabelHead[])
      .map((head) => [head, values[head].trim()] as [LabelHead, string])
      .filter(([head, label]) => label && label !== before[head]);
    if (changes.length === 0) {
      setProblem("Change at least one label");
      return;
    }
    const tooLong = changes.find(([, label]) => label.length > MAX_LABEL);
    if (tooLong) {
      setProblem(`The ${tooLong[0]} label is longer than ${MAX_LABEL} characters`);
      return;
    }
    save.mutate(changes);
  };

  const freeText = (head: "intent" | "category", label: string, options: string[]) => (
    <Autocomplete
      freeSolo
      options={options}
      inputValue={values[head]}
      onInputChange={(_, next) => set(head, next)}
      renderInput={(params) => (
        <TextField
          {...params}
          label={label}
          helperText={before[head] ? `The model said: ${before[head]}` : "Not classified"}
        />
      )}
    />
  );

  return (
    <Dialog open onClose={onClose} aria-labelledby="label-title" fullWidth maxWidth="xs">
      <DialogTitle id="label-title">Correct label</DialogTitle>
      <DialogContent>
        <Typography color="text.secondary" sx={{ mb: 2 }}>
          Your correction is kept with the message and used to train the next model.
        </Typography>
        <Stack spacing={2} sx={{ pt: 1 }}>
          {problem ? <Alert severity="error">{problem}</Alert> : null}
          {freeText(
            "intent",
            "Intent",
            distinct([...knownIntents, classification.intent?.runnerUp?.label]),
          )}
          {freeText("category", "Category", distinct(knownCategories))}
          <FormControl fullWidth>
            <InputLabel id="label-sentiment">Sentiment</InputLabel>
            <Select
              labelId="label-sentiment"
              label="Sentiment"
              value={values.sentiment}
              onChange={(e) => set("sentiment", e.target.value)}
            >
              {SENTIMENTS.map((s) => (
                <MenuItem key={s} value={s}>
                  {capitalize(s)}
                </MenuItem>
              ))}
            </Select>
          </FormControl>
          <FormControl fullWidth>
            <InputLabel id="label-priority">Priority</InputLabel>
            <Select
              labelId="label-priority"
              label="Priority"
              value={values.priority}
              onChange={(e) => set("priority", e.target.value)}
            >
              {PRIORITIES.map((p) => (
                <MenuItem key={p} value={p}>
                  {capitalize(p)}
                </MenuItem>
              ))}
            </Select>
          </FormControl>
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="contained" onClick={submit} disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save label"}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
