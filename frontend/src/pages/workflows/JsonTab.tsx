// The definition as JSON: exactly what "Save workflow" sends. Editable for admins; text that
// does not parse is kept here (and blocks saving) until it does.
import { Alert, Stack, TextField, Typography } from "@mui/material";
import { useState } from "react";
import type { Definition } from "./definition";

export function JsonTab({
  definition,
  readOnly,
  onChange,
  onInvalid,
}: {
  definition: Definition;
  readOnly: boolean;
  onChange: (definition: Definition) => void;
  onInvalid: (message: string) => void;
}) {
  const [text, setText] = useState(() => JSON.stringify(definition, null, 2));
  const [error, setError] = useState<string | null>(null);
  const edit = (next: string) => {
    setText(next);
    try {
      const parsed: unknown = JSON.parse(next);
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new Error("the definition must be a JSON object");
      }
      setError(null);
      onChange(parsed as Definition);
    } catch (e) {
      const message = e instanceof Error ? e.message : "not valid JSON";
      setError(message);
      onInvalid(message);
    }
  };
  return (
    <Stack spacing={1}>
      <Typography variant="body2" color="text.secondary">
        {readOnly
          ? "The definition the workflow engine runs."
          : "The definition the workflow engine runs, as it will be saved. Edits here update the canvas; use Validate to check them."}
      </Typography>
      {error ? (
        <Alert severity="error" data-testid="json-error">
          Not valid JSON: {error}
        </Alert>
      ) : null}
      <TextField
        label="Definition JSON"
        multiline
        minRows={14}
        value={text}
        error={!!error}
        onChange={(e) => edit(e.target.value)}
        slotProps={{
          htmlInput: { readOnly, spellCheck: false, "data-testid": "workflow-json" },
          input: { sx: { fontFamily: "monospace", fontSize: 13 } },
        }}
      />
    </Stack>
  );
}
