// The settings API (users, API keys, audit log, organization) as queries and mutations.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/schema";

export type UserRead = components["schemas"]["UserRead"];
export type UserCreate = components["schemas"]["UserCreate"];
export type UserCreated = components["schemas"]["UserCreated"];
export type UserUpdate = components["schemas"]["UserUpdate"];
export type ApiKeyRead = components["schemas"]["ApiKeyRead"];
export type ApiKeyCreated = components["schemas"]["ApiKeyCreated"];
export type AuditEntry = components["schemas"]["AuditEntryRead"];
export type OrganizationRead = components["schemas"]["OrganizationRead"];
export type Role = UserRead["role"];

export const ROLES: { value: Role; label: string; description: string }[] = [
  { value: "admin", label: "Admin", description: "Everything, including users, keys and settings" },
  { value: "member", label: "Member", description: "Works conversations and drafts" },
  { value: "viewer", label: "Viewer", description: "Reads conversations and reports" },
];

// What admins may grant members on top of their role (api/security/permissions.py GRANTABLE).
export const GRANTABLE: { value: string; label: string }[] = [
  { value: "train:models", label: "Train models" },
  { value: "promote:models", label: "Promote models to champion" },
  { value: "write:routing", label: "Change AI routing" },
];

type Page<T> = { items: T[]; next_cursor?: string | null };
const next = <T>(last: Page<T>) => last.next_cursor ?? null;

export function useUsers(q: string) {
  return useInfiniteQuery({
    queryKey: ["users", "list", q],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/users", {
          params: {
            query: { limit: 50, ...(q ? { q } : {}), ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    getNextPageParam: next,
  });
}

/** Everyone, for naming the actors of the audit log. */
export function useAllUsers(enabled: boolean) {
  return useQuery({
    queryKey: ["users", "all"],
    enabled,
    queryFn: async () =>
      (await unwrap(api.GET("/api/v1/users", { params: { query: { limit: 200 } } }))).items,
  });
}

export function useCreateUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: UserCreate) => unwrap(api.POST("/api/v1/users", { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: ["users"] }),
  });
}

export function useUpdateUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: UserUpdate }) =>
      unwrap(api.PATCH("/api/v1/users/{user_id}", { params: { path: { user_id: id } }, body })),
    onSuccess: () => client.invalidateQueries({ queryKey: ["users"] }),
  });
}

export function useDeactivateUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      unwrap(api.DELETE("/api/v1/users/{user_id}", { params: { path: { user_id: id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ["users"] }),
  });
}

export function useApiKeys(enabled: boolean) {
  return useInfiniteQuery({
    queryKey: ["api-keys"],
    enabled,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/api-keys", {
          params: { query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: next,
  });
}

export function useCreateApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; scopes: string[]; expires_at?: string | null }) =>
      unwrap(api.POST("/api/v1/api-keys", { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: ["api-keys"] }),
  });
}

export function useRevokeApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      unwrap(api.DELETE("/api/v1/api-keys/{key_id}", { params: { path: { key_id: id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ["api-keys"] }),
  });
}

export interface AuditFilters {
  action: string;
  actor: string;
}

export function useAuditLog(filters: AuditFilters, enabled: boolean) {
  return useInfiniteQuery({
    queryKey: ["audit-log", filters],
    enabled,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/audit-log", {
          params: {
            query: {
              limit: 50,
              ...(filters.action ? { action: filters.action } : {}),
              ...(filters.actor ? { actor_user_id: filters.actor } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
        }),
      ),
    getNextPageParam: next,
  });
}

export function useOrganization() {
  return useQuery({
    queryKey: ["organization"],
    queryFn: () => unwrap(api.GET("/api/v1/organization")),
  });
}

export function useUpdateOrganization() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { name?: string; settings?: Record<string, unknown> }) =>
      unwrap(api.PATCH("/api/v1/organization", { body })),
    onSuccess: (org) => client.setQueryData(["organization"], org),
  });
}
