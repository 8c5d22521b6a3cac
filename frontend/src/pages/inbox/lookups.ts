// People the inbox and the conversation page show by name: the organization's users (for
// assignees) and contacts (the customers). Cached so a page of rows asks once per contact.
import { useQueries, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { useCan } from "../../auth/store";

export type User = components["schemas"]["UserRead"];
export type Contact = components["schemas"]["ContactRead"];

const FIVE_MINUTES = 5 * 60_000;

/** Active users of the organization (the assignee picker), when the caller may list them. */
export function useUsers() {
  const allowed = useCan("read:users");
  const query = useQuery({
    queryKey: ["users", "picker"],
    queryFn: () => unwrap(api.GET("/api/v1/users", { params: { query: { limit: 200 } } })),
    enabled: allowed,
    staleTime: FIVE_MINUTES,
  });
  const users = useMemo(() => (query.data?.items ?? []).filter((u) => u.is_active), [query.data]);
  const byId = useMemo(
    () => new Map((query.data?.items ?? []).map((u) => [u.id, u])),
    [query.data],
  );
  return { users, byId, allowed, query };
}

function contactQuery(id: string, enabled: boolean) {
  return {
    queryKey: ["contact", id],
    queryFn: () =>
      unwrap(api.GET("/api/v1/contacts/{contact_id}", { params: { path: { contact_id: id } } })),
    enabled,
    staleTime: FIVE_MINUTES,
  };
}

export function useContact(id: string | null | undefined) {
  const allowed = useCan("read:contacts");
  return useQuery(contactQuery(id ?? "", allowed && !!id));
}

/** The contacts behind a list of ids, fetched once each (the listing carries ids only). */
export function useContacts(ids: (string | null)[]): Map<string, Contact> {
  const allowed = useCan("read:contacts");
  const unique = useMemo(() => [...new Set(ids.filter((id): id is string => !!id))], [ids]);
  const results = useQueries({ queries: unique.map((id) => contactQuery(id, allowed)) });
  const map = new Map<string, Contact>();
  results.forEach((r, i) => {
    if (r.data) map.set(unique[i]!, r.data);
  });
  return map;
}

export function contactLabel(contact: Contact | undefined): string | null {
  if (!contact) return null;
  return contact.name || contact.email || contact.phone || null;
}

export function userLabel(user: User | undefined): string | null {
  return user ? user.name || user.email : null;
}
