// A definition as a left-to-right graph, and back: the trigger, then the conditions side by side
// (each one an edge from the trigger), then the actions in the order they run. Pure functions:
// the canvas only draws what `definitionToGraph` returns.
import type { Edge, Node } from "@xyflow/react";
import type { Action, Condition, Definition } from "./definition";

export type TriggerData = {
  kind: "trigger";
  trigger: string;
  match: string;
  stop: boolean;
  /** keys of the definition the builder does not edit, kept so nothing is lost */
  extra: Record<string, unknown>;
  errors: string[];
};
export type ConditionData = {
  kind: "condition";
  index: number;
  condition: Condition;
  match: string;
  errors: string[];
};
export type ActionData = { kind: "action"; index: number; action: Action; errors: string[] };
export type StepData = TriggerData | ConditionData | ActionData;
export type StepNode = Node<StepData>;

export const TRIGGER_ID = "trigger";
export const conditionId = (index: number) => `condition-${index}`;
export const actionId = (index: number) => `action-${index}`;

export const COLUMN = 300;
export const ROW = 120;

export interface ProblemLike {
  path: string;
  message: string;
}

/** The node a validation problem's path ("definition.actions.0.user_id") points at; null for
 * the workflow's own fields (name, description). */
export function nodeForPath(path: string): string | null {
  const inner = path.startsWith("definition") ? path.slice("definition".length) : null;
  if (inner === null) return path === "" ? TRIGGER_ID : null;
  const rest = inner.replace(/^\./, "");
  const step = /^(conditions|actions)\.(\d+)/.exec(rest);
  if (step)
    return step[1] === "conditions" ? conditionId(Number(step[2])) : actionId(Number(step[2]));
  return TRIGGER_ID;
}

export function errorsByNode(problems: ProblemLike[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const problem of problems) {
    const id = nodeForPath(problem.path);
    if (id) (out[id] ??= []).push(problem.message);
  }
  return out;
}

export function definitionToGraph(
  definition: Definition,
  problems: ProblemLike[] = [],
): { nodes: StepNode[]; edges: Edge[] } {
  const errors = errorsByNode(problems);
  const { trigger, match, stop, conditions, actions, ...extra } = definition;
  const rows = Math.max(conditions.length, 1);
  const middle = ((rows - 1) * ROW) / 2;
  const nodes: StepNode[] = [
    {
      id: TRIGGER_ID,
      type: "step",
      position: { x: 0, y: middle },
      data: { kind: "trigger", trigger, match, stop, extra, errors: errors[TRIGGER_ID] ?? [] },
    },
  ];
  const edges: Edge[] = [];
  conditions.forEach((condition, index) => {
    const id = conditionId(index);
    nodes.push({
      id,
      type: "step",
      position: { x: COLUMN, y: index * ROW },
      data: { kind: "condition", index, condition, match, errors: errors[id] ?? [] },
    });
    edges.push({ id: `${TRIGGER_ID}->${id}`, source: TRIGGER_ID, target: id });
  });
  const actionsX = conditions.length ? 2 * COLUMN : COLUMN;
  actions.forEach((action, index) => {
    const id = actionId(index);
    nodes.push({
      id,
      type: "step",
      position: { x: actionsX + index * COLUMN, y: middle },
      data: { kind: "action", index, action, errors: errors[id] ?? [] },
    });
    if (index > 0) {
      const before = actionId(index - 1);
      edges.push({ id: `${before}->${id}`, source: before, target: id });
    } else if (conditions.length) {
      conditions.forEach((_, c) =>
        edges.push({
          id: `${conditionId(c)}->${id}`,
          source: conditionId(c),
          target: id,
          label: match === "any" ? "any" : "all",
        }),
      );
    } else {
      edges.push({ id: `${TRIGGER_ID}->${id}`, source: TRIGGER_ID, target: id });
    }
  });
  return { nodes, edges };
}

/** The definition a graph stands for. Conditions keep their order; actions run in the order
 * of the chain of action -> action edges (unchained actions last, by position). */
export function graphToDefinition(nodes: StepNode[], edges: Edge[]): Definition {
  const trigger = nodes.find((n) => n.data.kind === "trigger")?.data as TriggerData | undefined;
  const conditionNodes = nodes
    .filter((n) => n.data.kind === "condition")
    .sort(
      (a, b) =>
        (a.data as ConditionData).index - (b.data as ConditionData).index ||
        a.position.y - b.position.y,
    );
  const actionNodes = nodes.filter((n) => n.data.kind === "action");
  const byId = new Map(actionNodes.map((n) => [n.id, n]));
  const next = new Map<string, string>();
  const hasBefore = new Set<string>();
  for (const edge of edges) {
    if (byId.has(edge.source) && byId.has(edge.target)) {
      next.set(edge.source, edge.target);
      hasBefore.add(edge.target);
    }
  }
  const ordered: StepNode[] = [];
  const seen = new Set<string>();
  const byPlace = [...actionNodes].sort(
    (a, b) => a.position.x - b.position.x || a.position.y - b.position.y,
  );
  for (const head of byPlace.filter((n) => !hasBefore.has(n.id))) {
    let current: StepNode | undefined = head;
    while (current && !seen.has(current.id)) {
      seen.add(current.id);
      ordered.push(current);
      const after = next.get(current.id);
      current = after ? byId.get(after) : undefined;
    }
  }
  for (const node of byPlace) if (!seen.has(node.id)) ordered.push(node);
  return {
    ...(trigger?.extra ?? {}),
    trigger: trigger?.trigger ?? "message.received",
    match: trigger?.match ?? "all",
    conditions: conditionNodes.map((n) => (n.data as ConditionData).condition),
    actions: ordered.map((n) => (n.data as ActionData).action),
    stop: trigger?.stop ?? false,
  };
}
