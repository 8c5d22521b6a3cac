// The steps as a list of buttons: the keyboard's way around the canvas.
import ErrorOutlineIcon from "@mui/icons-material/ErrorOutline";
import {
  List,
  ListItem,
  ListItemButton,
  ListItemIcon,
  ListItemText,
  Typography,
} from "@mui/material";
import type { Definition } from "./definition";
import { actionId, conditionId, TRIGGER_ID } from "./graph";
import { stepSummary } from "./WorkflowCanvas";

export function StepList({
  definition,
  selected,
  errors,
  onSelect,
}: {
  definition: Definition;
  selected: string;
  errors: Record<string, string[]>;
  onSelect: (id: string) => void;
}) {
  const steps = [
    {
      id: TRIGGER_ID,
      title: "Trigger",
      summary: stepSummary({
        kind: "trigger",
        trigger: definition.trigger,
        match: definition.match,
        stop: definition.stop,
        extra: {},
        errors: [],
      }),
    },
    ...definition.conditions.map((condition, index) => ({
      id: conditionId(index),
      title: `Condition ${index + 1}`,
      summary: stepSummary({
        kind: "condition",
        index,
        condition,
        match: definition.match,
        errors: [],
      }),
    })),
    ...definition.actions.map((action, index) => ({
      id: actionId(index),
      title: `Action ${index + 1}`,
      summary: stepSummary({ kind: "action", index, action, errors: [] }),
    })),
  ];
  return (
    <nav aria-label="Workflow steps">
      <Typography variant="overline" component="h2">
        Steps
      </Typography>
      <List dense disablePadding sx={{ mb: 2 }}>
        {steps.map((step) => {
          const count = errors[step.id]?.length ?? 0;
          return (
            <ListItem key={step.id} disablePadding>
              <ListItemButton
                selected={selected === step.id}
                aria-current={selected === step.id ? "step" : undefined}
                onClick={() => onSelect(step.id)}
                data-testid={`step-${step.id}`}
              >
                {count ? (
                  <ListItemIcon sx={{ minWidth: 28 }}>
                    <ErrorOutlineIcon color="error" fontSize="small" aria-hidden />
                  </ListItemIcon>
                ) : null}
                <ListItemText
                  primary={
                    count
                      ? `${step.title} (${count === 1 ? "1 problem" : `${count} problems`})`
                      : step.title
                  }
                  secondary={step.summary}
                  slotProps={{ secondary: { noWrap: true } }}
                />
              </ListItemButton>
            </ListItem>
          );
        })}
      </List>
    </nav>
  );
}
