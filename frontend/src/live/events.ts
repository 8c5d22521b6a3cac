// The organization's live events over GET /api/v1/ws. The server's first frame ("hello") says
// where the socket starts; a reconnect sends `since=<last seq seen, hello's included>`, so the
// server replays what was missed (JetStream) before the live ones: no gaps.
import { useAuth } from "../auth/store";

export interface LiveEvent {
  id: string;
  seq: number;
  kind: string;
  organization_id: string;
  conversation_id: string | null;
  message_id: string | null;
  data: Record<string, unknown>;
  occurred_at: string;
}

export type LiveStatus = "connecting" | "live" | "offline";

type Listener = (event: LiveEvent) => void;
type StatusListener = (status: LiveStatus) => void;

export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  close: () => void;
}

export type SocketFactory = (url: string) => SocketLike;

const MAX_BACKOFF_MS = 15_000;

/** One connection shared by every page; it lives while anyone listens. */
export class LiveConnection {
  private socket: SocketLike | null = null;
  private listeners = new Set<Listener>();
  private statusListeners = new Set<StatusListener>();
  private lastSeq: number | null = null;
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;
  status: LiveStatus = "offline";

  constructor(
    private readonly factory: SocketFactory = (url) => new WebSocket(url) as unknown as SocketLike,
    private readonly token: () => string | null = () => useAuth.getState().accessToken,
    private readonly origin: () => string = () => window.location.origin,
  ) {}

  /** Forget the position (a new session must not resume another one's stream). */
  reset(): void {
    this.lastSeq = null;
    if (!this.stopped) {
      this.stop();
      if (this.listeners.size > 0) this.start();
    }
  }

  get since(): number | null {
    return this.lastSeq;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  onStatus(listener: StatusListener): () => void {
    this.statusListeners.add(listener);
    listener(this.status);
    return () => this.statusListeners.delete(listener);
  }

  url(): string | null {
    const token = this.token();
    if (!token) return null;
    const base = this.origin().replace(/^http/, "ws");
    const params = new URLSearchParams({ token });
    if (this.lastSeq !== null) params.set("since", String(this.lastSeq));
    return `${base}/api/v1/ws?${params.toString()}`;
  }

  private setStatus(status: LiveStatus) {
    this.status = status;
    for (const l of this.statusListeners) l(status);
  }

  private start() {
    this.stopped = false;
    this.connect();
  }

  private stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    socket?.close();
    this.setStatus("offline");
  }

  private connect() {
    const url = this.url();
    if (!url) {
      this.retry();
      return;
    }
    this.setStatus("connecting");
    const socket = this.factory(url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempts = 0;
      this.setStatus("live");
    };
    socket.onmessage = (message) => {
      let event: LiveEvent;
      try {
        event = JSON.parse(String(message.data)) as LiveEvent;
      } catch {
        return;
      }
      if (event.kind === "hello") {
        // Where the server started this socket: the resume point even if no event comes.
        if (typeof event.seq === "number" && (this.lastSeq === null || event.seq > this.lastSeq)) {
          this.lastSeq = event.seq;
        }
        return;
      }
      if (typeof event.seq === "number") {
        if (this.lastSeq !== null && event.seq <= this.lastSeq) return; // replayed twice
        this.lastSeq = event.seq;
      }
      for (const l of this.listeners) l(event);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.setStatus("offline");
      this.retry();
    };
    socket.onerror = () => socket.close();
  }

  private retry() {
    if (this.stopped) return;
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempts);
    this.attempts += 1;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }
}

export const live = new LiveConnection();
