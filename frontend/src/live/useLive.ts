import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { live, type LiveEvent, type LiveStatus } from "./events";

/** Call `onEvent` for each live event while mounted. */
export function useLiveEvents(onEvent: (event: LiveEvent) => void): void {
  useEffect(() => live.subscribe(onEvent), [onEvent]);
}

export function useLiveStatus(): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>(live.status);
  useEffect(() => live.onStatus(setStatus), []);
  return status;
}

/** Keep the query cache fresh: each event marks what it touches as stale. */
export function useLiveInvalidation(): void {
  const client = useQueryClient();
  useEffect(
    () =>
      live.subscribe((event) => {
        if (event.kind.startsWith("message.") || event.kind === "conversation.updated") {
          void client.invalidateQueries({ queryKey: ["conversations"] });
          if (event.conversation_id) {
            void client.invalidateQueries({ queryKey: ["conversation", event.conversation_id] });
          }
        }
        if (event.kind.startsWith("draft.") && event.conversation_id) {
          void client.invalidateQueries({ queryKey: ["conversation", event.conversation_id] });
        }
        if (event.kind === "budget.alert") {
          void client.invalidateQueries({ queryKey: ["routing"] });
        }
      }),
    [client],
  );
}
