// A task's model preference order: a list reordered with up/down buttons (keyboard usable; focus
// follows the moved model), models removed, and added from the ones the policy already names.
import ArrowDownwardIcon from "@mui/icons-material/ArrowDownward";
import ArrowUpwardIcon from "@mui/icons-material/ArrowUpward";
import DeleteOutlineIcon from "@mui/icons-material/DeleteOutline";
import {
  Autocomplete,
  Box,
  Button,
  FormHelperText,
  IconButton,
  List,
  ListItem,
  ListItemText,
  TextField,
  Typography,
} from "@mui/material";
import { useEffect, useRef, useState } from "react";

interface Props {
  task: string;
  taskLabel: string;
  value: string[];
  onChange: (models: string[]) => void;
  suggestions: string[];
  disabled: boolean;
  error?: string;
}

export function ModelOrder({
  task,
  taskLabel,
  value,
  onChange,
  suggestions,
  disabled,
  error,
}: Props) {
  const [adding, setAdding] = useState("");
  const [focus, setFocus] = useState<string | null>(null);
  const buttons = useRef(new Map<string, HTMLButtonElement | null>());

  useEffect(() => {
    if (!focus) return;
    buttons.current.get(focus)?.focus();
    setFocus(null);
  }, [focus, value]);

  const move = (index: number, by: -1 | 1) => {
    const next = [...value];
    const target = index + by;
    const [item] = next.splice(index, 1);
    if (item === undefined || target < 0 || target > value.length - 1) return;
    next.splice(target, 0, item);
    onChange(next);
    // keep the keyboard where it was: on the same button of the moved model, or its twin
    const stays = (by === -1 && target > 0) || (by === 1 && target < value.length - 1);
    setFocus(`${item}:${stays ? (by === -1 ? "up" : "down") : by === -1 ? "down" : "up"}`);
  };

  const add = (typed: string = adding) => {
    const model = typed.trim();
    if (!model || value.includes(model)) return;
    onChange([...value, model]);
    setAdding("");
  };

  const errorId = `models-${task}-error`;
  return (
    <Box>
      <Typography variant="subtitle2" component="h4" id={`models-${task}-label`}>
        Models, in order of preference
      </Typography>
      <List
        dense
        aria-labelledby={`models-${task}-label`}
        aria-describedby={error ? errorId : undefined}
        data-testid={`models-${task}`}
        sx={{ border: 1, borderColor: error ? "error.main" : "divider", borderRadius: 1, py: 0 }}
      >
        {value.length === 0 ? (
          <ListItem>
            <ListItemText secondary="No model: add at least one" />
          </ListItem>
        ) : null}
        {value.map((model, index) => (
          <ListItem
            key={model}
            divider={index < value.length - 1}
            secondaryAction={
              disabled ? null : (
                <Box sx={{ display: "flex" }}>
                  <IconButton
                    size="small"
                    aria-label={`Move ${model} up`}
                    disabled={index === 0}
                    onClick={() => move(index, -1)}
                    ref={(el) => {
                      buttons.current.set(`${model}:up`, el);
                    }}
                  >
                    <ArrowUpwardIcon fontSize="small" />
                  </IconButton>
                  <IconButton
                    size="small"
                    aria-label={`Move ${model} down`}
                    disabled={index === value.length - 1}
                    onClick={() => move(index, 1)}
                    ref={(el) => {
                      buttons.current.set(`${model}:down`, el);
                    }}
                  >
                    <ArrowDownwardIcon fontSize="small" />
                  </IconButton>
                  <IconButton
                    size="small"
                    aria-label={`Remove ${model}`}
                    onClick={() => onChange(value.filter((m) => m !== model))}
                  >
                    <DeleteOutlineIcon fontSize="small" />
                  </IconButton>
                </Box>
              )
            }
          >
            <ListItemText
              primary={`${index + 1}. ${model}`}
              secondary={index === 0 ? "tried first" : undefined}
            />
          </ListItem>
        ))}
      </List>
      {error ? (
        <FormHelperText error id={errorId}>
          {error}
        </FormHelperText>
      ) : null}
      {disabled ? null : (
        <Box
          sx={{ display: "flex", gap: 1, mt: 1, alignItems: "flex-start" }}
          // Enter adds the model (the Autocomplete's own handler): it must not submit the policy
          onKeyDown={(e) => {
            if (e.key === "Enter") e.preventDefault();
          }}
        >
          <Autocomplete
            freeSolo
            size="small"
            sx={{ flex: 1 }}
            options={suggestions.filter((m) => !value.includes(m))}
            value={null}
            inputValue={adding}
            onInputChange={(_, text) => setAdding(text)}
            onChange={(_, picked) => {
              if (typeof picked === "string") add(picked);
            }}
            renderInput={(params) => (
              <TextField
                {...params}
                label={`Add a model to ${taskLabel}`}
                helperText="provider:model from the price book, or local"
              />
            )}
          />
          <Button onClick={() => add()} disabled={!adding.trim() || value.includes(adding.trim())}>
            Add
          </Button>
        </Box>
      )}
    </Box>
  );
}
