// The side panel: the fields of the selected step (trigger, condition or action).
import DeleteOutlineIcon from "@mui/icons-material/DeleteOutline";
import {
  Alert,
  Box,
  Button,
  FormControl,
  FormControlLabel,
  FormLabel,
  Radio,
  RadioGroup,
  Stack,
  Switch,
  Typography,
} from "@mui/material";
import {
  coerceValue,
  factLabel,
  newAction,
  opLabel,
  triggerLabel,
  type Action,
  type Catalog,
  type Condition,
  type Definition,
} from "./definition";
import { ParamField, Select, ValueField } from "./fields";
import { TRIGGER_ID } from "./graph";
import type { UserRead } from "./queries";

export function StepEditor({
  definition,
  selected,
  catalog,
  assignees,
  errors,
  readOnly,
  onChange,
  onRemove,
}: {
  definition: Definition;
  selected: string;
  catalog: Catalog;
  assignees: UserRead[];
  errors: string[];
  readOnly: boolean;
  onChange: (definition: Definition) => void;
  onRemove: (id: string) => void;
}) {
  const problems = errors.length ? (
    <Alert severity="error" data-testid="step-errors">
      <ul style={{ margin: 0, paddingLeft: 16 }}>
        {errors.map((e, i) => (
          <li key={i}>{e}</li>
        ))}
      </ul>
    </Alert>
  ) : null;

  if (selected === TRIGGER_ID) {
    return (
      <Stack spacing={2} component="section" aria-label="Trigger settings">
        <Typography variant="h3">Trigger</Typography>
        {problems}
        <Select
          label="Trigger"
          value={definition.trigger}
          options={catalog.triggers}
          disabled={readOnly}
          render={triggerLabel}
          onChange={(trigger) => onChange({ ...definition, trigger })}
        />
        <FormControl disabled={readOnly}>
          <FormLabel id="wf-match-label">Run the actions when</FormLabel>
          <RadioGroup
            aria-labelledby="wf-match-label"
            value={definition.match}
            onChange={(e) => onChange({ ...definition, match: e.target.value })}
          >
            {catalog.matches.map((m) => (
              <FormControlLabel
                key={m}
                value={m}
                control={<Radio />}
                label={
                  m === "all" ? "all conditions hold" : m === "any" ? "any condition holds" : m
                }
              />
            ))}
          </RadioGroup>
        </FormControl>
        <FormControlLabel
          control={
            <Switch
              checked={definition.stop}
              disabled={readOnly}
              onChange={(e) => onChange({ ...definition, stop: e.target.checked })}
            />
          }
          label="Skip later workflows when this one matches"
        />
        {definition.conditions.length === 0 ? (
          <Typography variant="body2" color="text.secondary">
            Without conditions, the actions run on every new message.
          </Typography>
        ) : null}
      </Stack>
    );
  }

  const [kind, raw] = selected.split("-");
  const index = Number(raw);
  if (kind === "condition" && definition.conditions[index]) {
    const condition = definition.conditions[index];
    const update = (next: Condition) =>
      onChange({
        ...definition,
        conditions: definition.conditions.map((c, i) => (i === index ? next : c)),
      });
    return (
      <Stack spacing={2} component="section" aria-label={`Condition ${index + 1} settings`}>
        <Typography variant="h3">Condition {index + 1}</Typography>
        {problems}
        <Select
          label="Field"
          value={condition.fact}
          options={catalog.facts}
          disabled={readOnly}
          render={factLabel}
          onChange={(fact) =>
            update({
              ...condition,
              fact,
              value: coerceValue(fact, condition.op, condition.value, catalog),
            })
          }
        />
        <Select
          label="Operator"
          value={condition.op}
          options={catalog.ops}
          disabled={readOnly}
          render={opLabel}
          onChange={(op) =>
            update({
              ...condition,
              op,
              value: coerceValue(condition.fact, op, condition.value, catalog),
            })
          }
        />
        <ValueField
          condition={condition}
          catalog={catalog}
          disabled={readOnly}
          onChange={(value) => update({ ...condition, value })}
        />
        {!readOnly ? (
          <Box>
            <Button
              color="error"
              startIcon={<DeleteOutlineIcon />}
              onClick={() => onRemove(selected)}
            >
              Remove condition
            </Button>
          </Box>
        ) : null}
      </Stack>
    );
  }
  if (kind === "action" && definition.actions[index]) {
    const action = definition.actions[index];
    const spec = catalog.actions.find((a) => a.type === action.type);
    const update = (next: Action) =>
      onChange({
        ...definition,
        actions: definition.actions.map((a, i) => (i === index ? next : a)),
      });
    return (
      <Stack spacing={2} component="section" aria-label={`Action ${index + 1} settings`}>
        <Typography variant="h3">Action {index + 1}</Typography>
        {problems}
        <Select
          label="Action"
          value={String(action.type ?? "")}
          options={catalog.actions.map((a) => a.type)}
          disabled={readOnly}
          render={(t) => catalog.actions.find((a) => a.type === t)?.label ?? t}
          onChange={(type) => {
            const next = catalog.actions.find((a) => a.type === type);
            if (next) update(newAction(next));
          }}
        />
        {spec?.params.map((param) => (
          <ParamField
            key={`${index}-${action.type}-${param.name}`}
            param={param}
            action={action}
            assignees={assignees}
            disabled={readOnly}
            onChange={(value) => update({ ...action, [param.name]: value })}
          />
        ))}
        {spec && spec.params.length === 0 ? (
          <Typography variant="body2" color="text.secondary">
            This action has no settings.
          </Typography>
        ) : null}
        {!readOnly ? (
          <Box>
            <Button
              color="error"
              startIcon={<DeleteOutlineIcon />}
              disabled={definition.actions.length <= 1}
              onClick={() => onRemove(selected)}
            >
              Remove action
            </Button>
            {definition.actions.length <= 1 ? (
              <Typography variant="caption" color="text.secondary" component="p">
                A workflow needs at least one action.
              </Typography>
            ) : null}
          </Box>
        ) : null}
      </Stack>
    );
  }
  return (
    <Typography color="text.secondary">
      Select a step on the canvas or in the list to edit it.
    </Typography>
  );
}
