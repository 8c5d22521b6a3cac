import { afterEach, describe, expect, it, vi } from "vitest";
import { LiveConnection, type LiveEvent, type SocketLike } from "./events";

class FakeSocket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {}
  close() {
    this.closed = true;
    this.onclose?.({ code: 1000 });
  }
  send(event: Partial<LiveEvent>) {
    this.onmessage?.({ data: JSON.stringify(event) });
  }
}

afterEach(() => vi.useRealTimers());

describe("LiveConnection", () => {
  it("resumes after the last event it saw, without delivering one twice", () => {
    vi.useFakeTimers();
    const sockets: FakeSocket[] = [];
    const conn = new LiveConnection(
      (u) => {
        const s = new FakeSocket(u);
        sockets.push(s);
        return s;
      },
      () => "tok",
      () => "http://sb.test",
    );
    const got: number[] = [];
    const unsubscribe = conn.subscribe((e) => got.push(e.seq));
    expect(sockets[0]!.url).toBe("ws://sb.test/api/v1/ws?token=tok");
    sockets[0]!.onopen?.({});
    expect(conn.status).toBe("live");
    sockets[0]!.send({ seq: 7, kind: "message.created" });
    sockets[0]!.send({ seq: 8, kind: "message.classified" });
    sockets[0]!.onclose?.({ code: 1006 }); // the network dropped
    expect(conn.status).toBe("offline");
    vi.advanceTimersByTime(600);
    expect(sockets[1]!.url).toBe("ws://sb.test/api/v1/ws?token=tok&since=8");
    sockets[1]!.onopen?.({});
    sockets[1]!.send({ seq: 8, kind: "message.classified" }); // replayed: dropped
    sockets[1]!.send({ seq: 9, kind: "draft.created" });
    expect(got).toEqual([7, 8, 9]);
    unsubscribe();
    expect(sockets[1]!.closed).toBe(true);
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(2);
  });

  it("resumes from the hello's position when the drop came before any event", () => {
    vi.useFakeTimers();
    const sockets: FakeSocket[] = [];
    const conn = new LiveConnection(
      (u) => {
        const s = new FakeSocket(u);
        sockets.push(s);
        return s;
      },
      () => "tok",
      () => "http://sb.test",
    );
    const got: string[] = [];
    conn.subscribe((e) => got.push(e.kind));
    sockets[0]!.onopen?.({});
    sockets[0]!.send({ kind: "hello", seq: 41 });
    sockets[0]!.onclose?.({ code: 1006 });
    vi.advanceTimersByTime(600);
    expect(sockets[1]!.url).toBe("ws://sb.test/api/v1/ws?token=tok&since=41");
    sockets[1]!.send({ kind: "hello", seq: 41 });
    sockets[1]!.send({ seq: 42, kind: "message.created" });
    expect(got).toEqual(["message.created"]); // hello frames are not events
  });

  it("backs off while the server is away, and waits for a token", () => {
    vi.useFakeTimers();
    let token: string | null = null;
    const sockets: FakeSocket[] = [];
    const conn = new LiveConnection(
      (u) => {
        const s = new FakeSocket(u);
        sockets.push(s);
        return s;
      },
      () => token,
      () => "https://sb.test",
    );
    conn.subscribe(() => undefined);
    expect(sockets).toHaveLength(0);
    token = "t";
    vi.advanceTimersByTime(500);
    expect(sockets[0]!.url.startsWith("wss://sb.test/api/v1/ws")).toBe(true);
    sockets[0]!.onclose?.({ code: 1006 });
    vi.advanceTimersByTime(999);
    expect(sockets).toHaveLength(1); // the second wait is longer than the first
    vi.advanceTimersByTime(2);
    expect(sockets).toHaveLength(2);
  });
});
