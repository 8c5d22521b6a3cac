// The canvas: a drawing of the definition the builder holds (see graph.ts). Nodes are selected
// by click or keyboard (Tab to a node, Enter); editing happens in the side panel.
import "@xyflow/react/dist/style.css";
import ErrorOutlineIcon from "@mui/icons-material/ErrorOutline";
import { Box, Typography } from "@mui/material";
import {
  Background,
  Controls,
  Handle,
  Position,
  ReactFlow,
  useReactFlow,
  type NodeChange,
  type NodeProps,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo } from "react";
import { factLabel, formatValue, opLabel, triggerLabel, type Definition } from "./definition";
import { definitionToGraph, type ProblemLike, type StepData, type StepNode } from "./graph";

export function stepTitle(data: StepData): string {
  if (data.kind === "trigger") return "Trigger";
  if (data.kind === "condition") return `Condition ${data.index + 1}`;
  return `Action ${data.index + 1}`;
}

export function stepSummary(data: StepData): string {
  if (data.kind === "trigger") {
    return `${triggerLabel(data.trigger)}; match ${data.match}${data.stop ? "; then stop" : ""}`;
  }
  if (data.kind === "condition") {
    const c = data.condition;
    return `${factLabel(String(c.fact))} ${opLabel(String(c.op))} ${formatValue(c.value)}`;
  }
  const { type, ...params } = data.action;
  const shown = Object.entries(params)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : String(v)}`)
    .join("; ");
  return shown ? `${String(type)} (${shown})` : String(type);
}

function StepCard({ data, selected }: NodeProps<StepNode>) {
  const failing = data.errors.length > 0;
  const accent =
    data.kind === "trigger"
      ? "primary.main"
      : data.kind === "condition"
        ? "warning.main"
        : "success.main";
  return (
    <Box
      data-testid={`wf-node-${data.kind}`}
      sx={{
        width: 230,
        p: 1.5,
        bgcolor: "background.paper",
        border: 2,
        borderRadius: 1,
        borderColor: failing ? "error.main" : selected ? "primary.main" : "divider",
        borderLeft: 6,
        borderLeftColor: failing ? "error.main" : accent,
        boxShadow: selected ? 3 : 0,
      }}
    >
      {data.kind !== "trigger" ? <Handle type="target" position={Position.Left} /> : null}
      <Typography variant="overline" sx={{ lineHeight: 1.4 }}>
        {stepTitle(data)}
      </Typography>
      <Typography variant="body2" sx={{ wordBreak: "break-word" }}>
        {stepSummary(data)}
      </Typography>
      {failing ? (
        <Typography
          variant="caption"
          color="error"
          sx={{ display: "flex", alignItems: "center", gap: 0.5, mt: 0.5 }}
        >
          <ErrorOutlineIcon fontSize="inherit" aria-hidden />
          {data.errors.length === 1 ? "1 problem" : `${data.errors.length} problems`}
        </Typography>
      ) : null}
      <Handle type="source" position={Position.Right} />
    </Box>
  );
}

const NODE_TYPES = { step: StepCard };

/** Keep every step in view as steps are added or removed. */
function FitOnChange({ count }: { count: number }) {
  const flow = useReactFlow();
  useEffect(() => {
    const frame = requestAnimationFrame(() => void flow.fitView({ padding: 0.2, duration: 200 }));
    return () => cancelAnimationFrame(frame);
  }, [count, flow]);
  return null;
}

export function WorkflowCanvas({
  definition,
  problems,
  selected,
  onSelect,
}: {
  definition: Definition;
  problems: ProblemLike[];
  selected: string;
  onSelect: (id: string) => void;
}) {
  const graph = useMemo(() => definitionToGraph(definition, problems), [definition, problems]);
  const nodes = useMemo(
    () =>
      graph.nodes.map((n) => ({
        ...n,
        selected: n.id === selected,
        ariaLabel: `${stepTitle(n.data)}: ${stepSummary(n.data)}`,
      })),
    [graph.nodes, selected],
  );
  const onNodesChange = useCallback(
    (changes: NodeChange<StepNode>[]) => {
      for (const change of changes) {
        if (change.type === "select" && change.selected) onSelect(change.id);
      }
    },
    [onSelect],
  );
  return (
    <Box
      role="region"
      aria-label="Workflow canvas"
      sx={{ height: 460, border: 1, borderColor: "divider", borderRadius: 1 }}
    >
      <ReactFlow
        nodes={nodes}
        edges={graph.edges}
        nodeTypes={NODE_TYPES}
        onNodesChange={onNodesChange}
        onNodeClick={(_, node) => onSelect(node.id)}
        nodesDraggable={false}
        nodesConnectable={false}
        edgesFocusable={false}
        fitView
        fitViewOptions={{ padding: 0.2 }}
        minZoom={0.2}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls showInteractive={false} />
        <FitOnChange count={nodes.length} />
      </ReactFlow>
    </Box>
  );
}
