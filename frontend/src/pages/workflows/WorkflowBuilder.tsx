// The builder: the definition lives in state; the canvas draws it, the side panel edits the
// selected step, the JSON tab shows (and edits) exactly what "Save workflow" sends.
import AddIcon from "@mui/icons-material/Add";
import ArrowBackIcon from "@mui/icons-material/ArrowBack";
import {
  Alert,
  AlertTitle,
  Box,
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  FormControlLabel,
  Menu,
  MenuItem,
  Paper,
  Snackbar,
  Stack,
  Switch,
  Tab,
  Tabs,
  TextField,
  Typography,
} from "@mui/material";
import { useMemo, useState } from "react";
import { errorMessage } from "../../api/client";
import { useCan } from "../../auth/store";
import {
  newAction,
  newCondition,
  newDefinition,
  normalizeDefinition,
  type Catalog,
  type Definition,
} from "./definition";
import {
  actionId,
  conditionId,
  errorsByNode,
  nodeForPath,
  TRIGGER_ID,
  type ProblemLike,
} from "./graph";
import { JsonTab } from "./JsonTab";
import {
  useAssignees,
  useSaveWorkflow,
  useValidate,
  type WorkflowDraft,
  type WorkflowRead,
} from "./queries";
import { StepEditor } from "./StepEditor";
import { StepList } from "./StepList";
import { WorkflowCanvas } from "./WorkflowCanvas";

type Notice = { severity: "success" | "error" | "info"; text: string };

function initialDraft(workflow: WorkflowRead | null, catalog: Catalog): WorkflowDraft {
  return workflow
    ? {
        name: workflow.name,
        description: workflow.description ?? "",
        is_enabled: workflow.is_enabled,
        definition: workflow.definition as unknown as Definition,
      }
    : { name: "", description: "", is_enabled: true, definition: newDefinition(catalog) };
}

export function WorkflowBuilder({
  workflow,
  catalog,
  onClose,
}: {
  workflow: WorkflowRead | null;
  catalog: Catalog;
  onClose: (message?: string) => void;
}) {
  const readOnly = !useCan("write:workflows");
  const canListUsers = useCan("read:users");
  const [initial] = useState(() => initialDraft(workflow, catalog));
  const [draft, setDraft] = useState<WorkflowDraft>(initial);
  const [selected, setSelected] = useState<string>(TRIGGER_ID);
  const [problems, setProblems] = useState<ProblemLike[]>([]);
  const [tab, setTab] = useState<"canvas" | "json">("canvas");
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [addMenu, setAddMenu] = useState<HTMLElement | null>(null);
  const [confirmLeave, setConfirmLeave] = useState(false);
  const validate = useValidate();
  const save = useSaveWorkflow();
  const assignees = useAssignees(canListUsers);

  const view = useMemo(() => normalizeDefinition(draft.definition), [draft.definition]);
  const byNode = useMemo(() => errorsByNode(problems), [problems]);
  const fieldErrors = problems.filter((p) => nodeForPath(p.path) === null);
  const dirty = JSON.stringify(draft) !== JSON.stringify(initial);
  const busy = validate.isPending || save.isPending;

  const setDefinition = (definition: Definition) => setDraft((d) => ({ ...d, definition }));
  const restructure = (definition: Definition, select: string) => {
    setDefinition(definition);
    setProblems([]); // indexes moved: old paths would point at the wrong steps
    setSelected(select);
  };
  const addCondition = () =>
    restructure(
      { ...view, conditions: [...view.conditions, newCondition(catalog)] },
      conditionId(view.conditions.length),
    );
  const addAction = (type: string) => {
    setAddMenu(null);
    const spec = catalog.actions.find((a) => a.type === type);
    if (spec) {
      restructure(
        { ...view, actions: [...view.actions, newAction(spec)] },
        actionId(view.actions.length),
      );
    }
  };
  const remove = (id: string) => {
    const [kind, raw] = id.split("-");
    const index = Number(raw);
    if (kind === "condition") {
      restructure(
        { ...view, conditions: view.conditions.filter((_, i) => i !== index) },
        TRIGGER_ID,
      );
    } else if (kind === "action") {
      restructure({ ...view, actions: view.actions.filter((_, i) => i !== index) }, TRIGGER_ID);
    }
  };

  const changeTab = (next: "canvas" | "json") => {
    if (jsonError) {
      setJsonError(null);
      setNotice({ severity: "info", text: "The JSON that did not parse was left out." });
    }
    setTab(next);
  };

  /** Ask the API; show the problems, point at the first step with one. True when valid. */
  const check = async (): Promise<boolean> => {
    if (jsonError) {
      setNotice({ severity: "error", text: "Fix the JSON first: it does not parse." });
      return false;
    }
    if (!draft.name.trim()) {
      setProblems([{ path: "name", message: "Give the workflow a name" }]);
      return false;
    }
    try {
      const result = await validate.mutateAsync(draft);
      setProblems(result.errors);
      const first = result.errors.map((e) => nodeForPath(e.path)).find((id) => id !== null);
      if (first) setSelected(first);
      return result.valid;
    } catch (error) {
      setNotice({ severity: "error", text: `Could not validate: ${errorMessage(error)}` });
      return false;
    }
  };

  const onValidate = async () => {
    if (await check()) setNotice({ severity: "success", text: "The workflow is valid." });
  };

  const onSave = async () => {
    if (!(await check())) {
      setNotice(
        (n) => n ?? { severity: "error", text: "Not saved: fix the problems shown first." },
      );
      return;
    }
    try {
      const saved = await save.mutateAsync({ id: workflow?.id ?? null, draft });
      onClose(`Saved “${saved.name}” (version ${saved.version}).`);
    } catch (error) {
      setNotice({ severity: "error", text: `Could not save: ${errorMessage(error)}` });
    }
  };

  const title = workflow ? (readOnly ? workflow.name : `Edit “${workflow.name}”`) : "New workflow";
  return (
    <Box>
      <Stack direction="row" spacing={2} alignItems="center" sx={{ mb: 2, flexWrap: "wrap" }}>
        <Button
          startIcon={<ArrowBackIcon />}
          onClick={() => (dirty && !readOnly ? setConfirmLeave(true) : onClose())}
        >
          All workflows
        </Button>
        <Typography variant="h1" sx={{ flex: 1 }}>
          {title}
        </Typography>
        {workflow ? <Chip label={`Version ${workflow.version}`} size="small" /> : null}
        {!readOnly ? (
          <>
            <Button variant="outlined" onClick={() => void onValidate()} disabled={busy}>
              Validate
            </Button>
            <Button variant="contained" onClick={() => void onSave()} disabled={busy}>
              Save workflow
            </Button>
          </>
        ) : null}
      </Stack>
      {readOnly ? (
        <Alert severity="info" sx={{ mb: 2 }}>
          You can look at this workflow; only admins can change workflows.
        </Alert>
      ) : null}
      {problems.length ? (
        <Alert severity="error" sx={{ mb: 2 }} data-testid="validation-errors">
          <AlertTitle>
            {problems.length === 1 ? "1 problem" : `${problems.length} problems`} to fix
          </AlertTitle>
          <ul style={{ margin: 0, paddingLeft: 16 }}>
            {problems.map((p, i) => {
              const node = nodeForPath(p.path);
              return (
                <li key={i}>
                  <code>{p.path || "workflow"}</code>: {p.message}{" "}
                  {node ? (
                    <Button
                      size="small"
                      onClick={() => {
                        changeTab("canvas");
                        setSelected(node);
                      }}
                    >
                      Show step
                    </Button>
                  ) : null}
                </li>
              );
            })}
          </ul>
        </Alert>
      ) : null}
      <Paper sx={{ p: 2, mb: 2 }}>
        <Stack direction={{ xs: "column", md: "row" }} spacing={2} alignItems={{ md: "center" }}>
          <TextField
            label="Name"
            required
            value={draft.name}
            disabled={readOnly}
            onChange={(e) => setDraft((d) => ({ ...d, name: e.target.value }))}
            error={fieldErrors.some((p) => p.path === "name")}
            helperText={fieldErrors.find((p) => p.path === "name")?.message}
            slotProps={{ htmlInput: { maxLength: 200 } }}
            sx={{ flex: 1 }}
          />
          <TextField
            label="Description"
            value={draft.description}
            disabled={readOnly}
            onChange={(e) => setDraft((d) => ({ ...d, description: e.target.value }))}
            error={fieldErrors.some((p) => p.path === "description")}
            helperText={fieldErrors.find((p) => p.path === "description")?.message}
            slotProps={{ htmlInput: { maxLength: 2000 } }}
            sx={{ flex: 2 }}
          />
          <FormControlLabel
            control={
              <Switch
                checked={draft.is_enabled}
                disabled={readOnly}
                onChange={(e) => setDraft((d) => ({ ...d, is_enabled: e.target.checked }))}
              />
            }
            label={draft.is_enabled ? "Enabled" : "Disabled"}
          />
        </Stack>
      </Paper>
      <Stack direction="row" spacing={1} sx={{ mb: 1, flexWrap: "wrap" }} alignItems="center">
        <Tabs value={tab} onChange={(_, v: "canvas" | "json") => changeTab(v)} sx={{ flex: 1 }}>
          <Tab value="canvas" label="Canvas" />
          <Tab value="json" label="JSON" />
        </Tabs>
        {!readOnly && tab === "canvas" ? (
          <>
            <Button
              startIcon={<AddIcon />}
              onClick={addCondition}
              disabled={view.conditions.length >= catalog.maxConditions}
            >
              Add condition
            </Button>
            <Button
              startIcon={<AddIcon />}
              aria-haspopup="menu"
              aria-controls={addMenu ? "wf-add-action" : undefined}
              onClick={(e) => setAddMenu(e.currentTarget)}
              disabled={view.actions.length >= catalog.maxActions}
            >
              Add action
            </Button>
            <Menu
              id="wf-add-action"
              anchorEl={addMenu}
              open={!!addMenu}
              onClose={() => setAddMenu(null)}
            >
              {catalog.actions.map((a) => (
                <MenuItem key={a.type} onClick={() => addAction(a.type)}>
                  {a.label}
                </MenuItem>
              ))}
            </Menu>
          </>
        ) : null}
      </Stack>
      {tab === "canvas" ? (
        <Box
          sx={{
            display: "grid",
            gap: 2,
            gridTemplateColumns: { xs: "1fr", lg: "minmax(0, 2fr) minmax(300px, 1fr)" },
          }}
        >
          <WorkflowCanvas
            definition={view}
            problems={problems}
            selected={selected}
            onSelect={setSelected}
          />
          <Paper sx={{ p: 2 }}>
            <StepList
              definition={view}
              selected={selected}
              errors={byNode}
              onSelect={setSelected}
            />
            <StepEditor
              key={selected}
              definition={view}
              selected={selected}
              catalog={catalog}
              assignees={assignees.data ?? []}
              errors={byNode[selected] ?? []}
              readOnly={readOnly}
              onChange={setDefinition}
              onRemove={remove}
            />
          </Paper>
        </Box>
      ) : (
        <JsonTab
          definition={draft.definition}
          readOnly={readOnly}
          onChange={(definition) => {
            setDefinition(definition);
            setJsonError(null);
          }}
          onInvalid={setJsonError}
        />
      )}
      <Dialog open={confirmLeave} onClose={() => setConfirmLeave(false)}>
        <DialogTitle>Discard your changes?</DialogTitle>
        <DialogContent>
          <DialogContentText>This workflow has changes that are not saved.</DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setConfirmLeave(false)}>Keep editing</Button>
          <Button color="error" onClick={() => onClose()}>
            Discard changes
          </Button>
        </DialogActions>
      </Dialog>
      <Snackbar open={!!notice} autoHideDuration={6000} onClose={() => setNotice(null)}>
        {notice ? (
          <Alert severity={notice.severity} onClose={() => setNotice(null)} variant="filled">
            {notice.text}
          </Alert>
        ) : undefined}
      </Snackbar>
    </Box>
  );
}
