// The conversation page's reads, all under the ["conversation", id] key the live events
// invalidate, so messages, drafts and notes refresh without a reload.
import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useMemo } from "react";
import { api, unwrap } from "../../api/client";
import { useCan } from "../../auth/store";
import type { Draft } from "./model";

export const MESSAGE_PAGE = 200;
export const NOTE_PAGE = 100;
export const DRAFT_PAGE = 20;
/** While a draft is being written, ask again this often in case a live event is missed. */
export const DRAFT_POLL_MS = 5_000;

export const keys = {
  conversation: (id: string) => ["conversation", id] as const,
  messages: (id: string) => ["conversation", id, "messages"] as const,
  drafts: (id: string) => ["conversation", id, "drafts"] as const,
  notes: (id: string) => ["conversation", id, "notes"] as const,
  labels: (id: string, messageId: string) => ["conversation", id, "labels", messageId] as const,
};

export function useConversation(id: string) {
  return useQuery({
    queryKey: keys.conversation(id),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/conversations/{conversation_id}", {
          params: { path: { conversation_id: id } },
        }),
      ),
  });
}

export function useMessages(id: string) {
  const query = useInfiniteQuery({
    queryKey: keys.messages(id),
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/conversations/{conversation_id}/messages", {
          params: {
            path: { conversation_id: id },
            query: { limit: MESSAGE_PAGE, ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const messages = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
  return { query, messages };
}

export function isInProgress(draft: Draft | undefined): boolean {
  return draft?.status === "requested" || draft?.status === "drafting";
}

export function useDrafts(id: string) {
  const allowed = useCan("read:drafts");
  return useQuery({
    queryKey: keys.drafts(id),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/conversations/{conversation_id}/drafts", {
          params: { path: { conversation_id: id }, query: { limit: DRAFT_PAGE } },
        }),
      ),
    enabled: allowed,
    refetchInterval: (q) => (isInProgress(q.state.data?.items[0]) ? DRAFT_POLL_MS : false),
  });
}

export function useNotes(id: string) {
  const query = useInfiniteQuery({
    queryKey: keys.notes(id),
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/conversations/{conversation_id}/notes", {
          params: {
            path: { conversation_id: id },
            query: { limit: NOTE_PAGE, ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const notes = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
  return { query, notes };
}

export function useMessageLabels(conversationId: string, messageId: string, enabled: boolean) {
  return useQuery({
    queryKey: keys.labels(conversationId, messageId),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/messages/{message_id}/labels", {
          params: { path: { message_id: messageId } },
        }),
      ),
    enabled,
  });
}

/** After a write: the conversation's own data and the inbox rows that show it. */
export function useRefreshConversation(id: string) {
  const client = useQueryClient();
  return useCallback(() => {
    void client.invalidateQueries({ queryKey: keys.conversation(id) });
    void client.invalidateQueries({ queryKey: ["conversations"] });
  }, [client, id]);
}
