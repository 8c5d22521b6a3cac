// Server state of the Models page: registered models, version details, promotions and runs.
import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/schema";

export type TrainingRun = components["schemas"]["TrainingRunRead"];

export const RUNS_PAGE = 20;
export const PROMOTIONS_PAGE = 20;
/** How often the runs list is asked again while a run is queued or running. */
export const RUN_POLL_MS = 3000;

export const keys = {
  models: ["models"] as const,
  details: (name: string, version: string) => ["models", name, "details", version] as const,
  promotions: (name: string) => ["models", name, "promotions"] as const,
  runs: ["training-runs"] as const,
  organization: ["organization"] as const,
};

export function useModels() {
  return useQuery({
    queryKey: keys.models,
    queryFn: () => unwrap(api.GET("/api/v1/models")),
  });
}

export function useVersionDetails(name: string, version: string | null) {
  return useQuery({
    queryKey: keys.details(name, version ?? ""),
    enabled: version !== null,
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/models/{name}/versions/{version}/details", {
          params: { path: { name, version: version ?? "" } },
        }),
      ),
  });
}

export function usePromotions(name: string) {
  return useInfiniteQuery({
    queryKey: keys.promotions(name),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/models/{name}/promotions", {
          params: {
            path: { name },
            query: { limit: PROMOTIONS_PAGE, ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
}

export function useOrganization() {
  return useQuery({
    queryKey: keys.organization,
    queryFn: () => unwrap(api.GET("/api/v1/organization")),
    staleTime: 60_000,
  });
}

export function isActive(run: Pick<TrainingRun, "status">): boolean {
  return run.status === "queued" || run.status === "running";
}

/** Training runs, newest first; asked again every 3 s while any run is queued or running.
 *  When a run stops, the models are asked again (a finished run registers a challenger). */
export function useTrainingRuns() {
  const client = useQueryClient();
  const query = useInfiniteQuery({
    queryKey: keys.runs,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/training/runs", {
          params: { query: { limit: RUNS_PAGE, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? null,
    refetchInterval: (q) =>
      q.state.data?.pages.some((p) => p.items.some(isActive)) ? RUN_POLL_MS : false,
  });
  const active = useRef<Set<string> | null>(null);
  const runs = query.data?.pages.flatMap((p) => p.items);
  useEffect(() => {
    if (!runs) return;
    const now = new Set(runs.filter(isActive).map((r) => r.id));
    const before = active.current;
    active.current = now;
    if (before && [...before].some((id) => !now.has(id))) {
      void client.invalidateQueries({ queryKey: keys.models });
    }
  }, [runs, client]);
  return query;
}
