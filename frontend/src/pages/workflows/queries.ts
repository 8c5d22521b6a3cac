// The workflow API as queries and mutations.
import {
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
  type InfiniteData,
} from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { catalogFromSchema, type Definition } from "./definition";

export type WorkflowRead = components["schemas"]["WorkflowRead"];
export type WorkflowCreate = components["schemas"]["WorkflowCreate"];
export type ValidationResult = components["schemas"]["ValidationResult"];
export type UserRead = components["schemas"]["UserRead"];
type WorkflowPage = { items: WorkflowRead[]; next_cursor?: string | null };

export const WORKFLOWS_KEY = ["workflows"] as const;

/** The body POST /workflows takes, from what the builder holds. */
export interface WorkflowDraft {
  name: string;
  description: string;
  is_enabled: boolean;
  definition: Definition;
}

export function bodyOf(draft: WorkflowDraft): WorkflowCreate {
  return {
    name: draft.name.trim(),
    description: draft.description.trim() || null,
    is_enabled: draft.is_enabled,
    // The engine's schema is the judge of the definition: send exactly what the builder holds.
    definition: draft.definition as unknown as WorkflowCreate["definition"],
  };
}

export function useWorkflows() {
  return useInfiniteQuery({
    queryKey: [...WORKFLOWS_KEY, "list"],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/workflows", {
          params: { query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ) as Promise<WorkflowPage>,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
}

export function useWorkflow(id: string | null) {
  return useQuery({
    queryKey: [...WORKFLOWS_KEY, "one", id],
    enabled: !!id,
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/workflows/{workflow_id}", { params: { path: { workflow_id: id! } } }),
      ),
  });
}

export function useCatalog() {
  return useQuery({
    queryKey: [...WORKFLOWS_KEY, "schema"],
    staleTime: Infinity,
    queryFn: async () => catalogFromSchema(await unwrap(api.GET("/api/v1/workflows/schema"))),
  });
}

/** Active users of the organization, for the "assign" action. */
export function useAssignees(enabled: boolean) {
  return useQuery({
    queryKey: ["users", "assignees"],
    enabled,
    queryFn: async () => {
      const page = await unwrap(api.GET("/api/v1/users", { params: { query: { limit: 200 } } }));
      return page.items.filter((u) => u.is_active);
    },
  });
}

export function useValidate() {
  return useMutation({
    mutationFn: (draft: WorkflowDraft) =>
      unwrap(api.POST("/api/v1/workflows/validate", { body: bodyOf(draft) })),
  });
}

export function useSaveWorkflow() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, draft }: { id: string | null; draft: WorkflowDraft }) =>
      id
        ? unwrap(
            api.PATCH("/api/v1/workflows/{workflow_id}", {
              params: { path: { workflow_id: id } },
              body: bodyOf(draft),
            }),
          )
        : unwrap(api.POST("/api/v1/workflows", { body: bodyOf(draft) })),
    onSuccess: (saved) => {
      client.setQueryData([...WORKFLOWS_KEY, "one", saved.id], saved);
      void client.invalidateQueries({ queryKey: [...WORKFLOWS_KEY, "list"] });
    },
  });
}

export function useToggleWorkflow() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, enabled }: { id: string; enabled: boolean }) =>
      unwrap(
        api.PATCH("/api/v1/workflows/{workflow_id}", {
          params: { path: { workflow_id: id } },
          body: { is_enabled: enabled },
        }),
      ),
    onSuccess: (saved) => {
      client.setQueryData<InfiniteData<WorkflowPage>>([...WORKFLOWS_KEY, "list"], (data) =>
        data
          ? {
              ...data,
              pages: data.pages.map((p) => ({
                ...p,
                items: p.items.map((w) => (w.id === saved.id ? saved : w)),
              })),
            }
          : data,
      );
      client.setQueryData([...WORKFLOWS_KEY, "one", saved.id], saved);
    },
  });
}

export function useDeleteWorkflow() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      unwrap(
        api.DELETE("/api/v1/workflows/{workflow_id}", { params: { path: { workflow_id: id } } }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: [...WORKFLOWS_KEY, "list"] }),
  });
}
