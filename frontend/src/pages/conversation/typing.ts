// Typing indicators for live chat (the website widget): the customer's, shown in the thread,
// and the agent's, sent while they edit a reply. Other channels answer `pushed: false`.
import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "../../api/client";
import type { LiveEvent } from "../../live/events";
import { useLiveEvents } from "../../live/useLive";

/** A typing event says "still typing" every few seconds; silence this long means stopped. */
export const TYPING_TIMEOUT_MS = 8000;
/** Events replayed after a reconnect are history, not someone typing now. */
const STALE_MS = 15000;
const SEND_EVERY_MS = 3000;

export function customerTypingState(
  event: LiveEvent,
  conversationId: string,
  now: number = Date.now(),
): boolean | null {
  if (event.kind !== "conversation.typing" || event.conversation_id !== conversationId) return null;
  if (event.data["from"] !== "visitor") return null;
  if (now - Date.parse(event.occurred_at) > STALE_MS) return null;
  return event.data["state"] === true;
}

/** True while the customer is typing in this conversation (live chat only). */
export function useCustomerTyping(conversationId: string): boolean {
  const [typing, setTyping] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const onEvent = useCallback(
    (event: LiveEvent) => {
      const state = customerTypingState(event, conversationId);
      if (state === null) return;
      clearTimeout(timer.current);
      setTyping(state);
      if (state) timer.current = setTimeout(() => setTyping(false), TYPING_TIMEOUT_MS);
    },
    [conversationId],
  );
  useLiveEvents(onEvent);
  useEffect(() => () => clearTimeout(timer.current), []);
  return typing;
}

/** Call on each keystroke: tells the customer an agent is typing, at most every 3 s. */
export function useAgentTyping(conversationId: string): () => void {
  const last = useRef(0);
  return useCallback(() => {
    const now = Date.now();
    if (now - last.current < SEND_EVERY_MS) return;
    last.current = now;
    void api
      .POST("/api/v1/conversations/{conversation_id}/typing", {
        params: { path: { conversation_id: conversationId } },
        body: { state: true },
      })
      .catch(() => undefined); // an indicator is best effort
  }, [conversationId]);
}
