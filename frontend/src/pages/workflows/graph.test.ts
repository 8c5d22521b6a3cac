import { describe, expect, it } from "vitest";
import {
  catalogFromSchema,
  coerceValue,
  normalizeDefinition,
  parseList,
  type Definition,
} from "./definition";
import {
  actionId,
  conditionId,
  definitionToGraph,
  errorsByNode,
  graphToDefinition,
  nodeForPath,
  TRIGGER_ID,
} from "./graph";
import { WORKFLOW_SCHEMA } from "./fixtures";

const DEFINITION: Definition = {
  trigger: "message.received",
  match: "any",
  conditions: [
    { fact: "intent", op: "in", value: ["refund", "cancel_order"] },
    { fact: "priority_score", op: "gte", value: 0.8 },
  ],
  actions: [
    { type: "set_priority", priority: "urgent" },
    { type: "tag", tags: ["vip", "billing"] },
    { type: "request_draft" },
  ],
  stop: true,
};

describe("definition <-> graph", () => {
  it("draws trigger -> conditions -> actions, left to right", () => {
    const { nodes, edges } = definitionToGraph(DEFINITION);
    expect(nodes.map((n) => n.id)).toEqual([
      TRIGGER_ID,
      conditionId(0),
      conditionId(1),
      actionId(0),
      actionId(1),
      actionId(2),
    ]);
    const x = (id: string) => nodes.find((n) => n.id === id)!.position.x;
    expect(x(TRIGGER_ID)).toBeLessThan(x(conditionId(0)));
    expect(x(conditionId(0))).toBeLessThan(x(actionId(0)));
    expect(x(actionId(0))).toBeLessThan(x(actionId(1)));
    expect(edges.map((e) => `${e.source}>${e.target}`)).toEqual([
      "trigger>condition-0",
      "trigger>condition-1",
      "condition-0>action-0",
      "condition-1>action-0",
      "action-0>action-1",
      "action-1>action-2",
    ]);
    expect(edges.find((e) => e.source === "condition-0")!.label).toBe("any");
  });

  it("comes back to the same definition", () => {
    const { nodes, edges } = definitionToGraph(DEFINITION);
    expect(graphToDefinition(nodes, edges)).toEqual(DEFINITION);
  });

  it("round-trips a definition without conditions (trigger straight to the actions)", () => {
    const bare: Definition = {
      trigger: "message.received",
      match: "all",
      conditions: [],
      actions: [{ type: "assign", user_id: "00000000-0000-4000-8000-000000000002" }],
      stop: false,
    };
    const { nodes, edges } = definitionToGraph(bare);
    expect(edges.map((e) => `${e.source}>${e.target}`)).toEqual(["trigger>action-0"]);
    expect(graphToDefinition(nodes, edges)).toEqual(bare);
  });

  it("reads the actions' order from the chain of edges", () => {
    const { nodes } = definitionToGraph(DEFINITION);
    const edges = [
      { id: "a", source: actionId(2), target: actionId(0) },
      { id: "b", source: actionId(0), target: actionId(1) },
      { id: "c", source: actionId(1), target: actionId(0) },
    ];
    // action-2 is the only head: it runs first, then 0, then 1.
    expect(graphToDefinition(nodes, edges).actions.map((a) => a.type)).toEqual([
      "request_draft",
      "set_priority",
      "tag",
    ]);
  });

  it("points validation paths at their steps", () => {
    expect(nodeForPath("definition.actions.1.user_id")).toBe(actionId(1));
    expect(nodeForPath("definition.conditions.0.value")).toBe(conditionId(0));
    expect(nodeForPath("definition.match")).toBe(TRIGGER_ID);
    expect(nodeForPath("definition.actions")).toBe(TRIGGER_ID);
    expect(nodeForPath("name")).toBeNull();
    const errors = errorsByNode([
      { path: "definition.conditions.1.value", message: "compare with a number" },
      { path: "name", message: "too short" },
    ]);
    expect(errors).toEqual({ [conditionId(1)]: ["compare with a number"] });
    const { nodes } = definitionToGraph(DEFINITION, [
      { path: "definition.conditions.1.value", message: "compare with a number" },
    ]);
    expect(nodes.find((n) => n.id === conditionId(1))!.data.errors).toEqual([
      "compare with a number",
    ]);
  });
});

describe("the catalog and values", () => {
  it("reads facts, operators and actions from the engine's JSON schema", () => {
    const catalog = catalogFromSchema(WORKFLOW_SCHEMA);
    expect(catalog.triggers).toEqual(["message.received"]);
    expect(catalog.matches).toEqual(["all", "any"]);
    expect(catalog.facts).toContain("sender_email");
    expect(catalog.ops).toEqual(["eq", "neq", "in", "not_in", "contains", "gte", "lte"]);
    expect(catalog.priorities).toEqual(["urgent", "high", "normal", "low"]);
    expect(catalog.actions.map((a) => [a.type, a.params.map((p) => p.kind)])).toEqual([
      ["set_priority", ["enum"]],
      ["assign", ["user"]],
      ["tag", ["list"]],
      ["request_draft", []],
    ]);
    expect(catalog.maxActions).toBe(20);
  });

  it("keeps values suited to the fact and operator", () => {
    const catalog = catalogFromSchema(WORKFLOW_SCHEMA);
    expect(coerceValue("intent", "in", "refund", catalog)).toEqual(["refund"]);
    expect(coerceValue("intent", "eq", ["refund", "x"], catalog)).toBe("refund");
    expect(coerceValue("needs_review", "eq", "", catalog)).toBe(true);
    expect(coerceValue("priority", "gte", "", catalog)).toBe("urgent");
    expect(coerceValue("priority_score", "gte", "0.5", catalog)).toBe(0.5);
    expect(parseList("a, b,, 3", false)).toEqual(["a", "b", "3"]);
    expect(parseList("0.5, x", true)).toEqual([0.5, "x"]);
    expect(normalizeDefinition({ actions: [{ type: "request_draft" }] })).toEqual({
      trigger: "message.received",
      match: "all",
      conditions: [],
      actions: [{ type: "request_draft" }],
      stop: false,
    });
  });
});
