import { vi } from 'vitest';

type Handler = (body: unknown, init: RequestInit | undefined) => unknown;
/** Routes `fetch` calls: key "METHOD /path" (path without query, or with it when given so). */
export function mockFetch(routes: Record<string, Handler | unknown>) {
  const calls: { method: string; url: string; body: unknown }[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const method = (init?.method ?? 'GET').toUpperCase();
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ method, url, body });
    const key = [`${method} ${url}`, `${method} ${url.split('?')[0]}`].find((k) => k in routes);
    if (!key) return new Response(JSON.stringify({ error: { code: 404, type: 'not_found', message: `no mock for ${method} ${url}` } }), { status: 404 });
    const r = routes[key];
    const out = typeof r === 'function' ? (r as Handler)(body, init) : r;
    if (out instanceof Response) return out;
    return new Response(JSON.stringify(out), { status: 200, headers: { 'Content-Type': 'application/json' } });
  });
  vi.stubGlobal('fetch', fn);
  return { fn, calls };
}

export function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/** A controllable EventSource: tests call `FakeEventSource.last.emit(type, data, id)`. */
export class FakeEventSource {
  static instances: FakeEventSource[] = [];
  static get last() {
    return FakeEventSource.instances[FakeEventSource.instances.length - 1];
  }
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  url: string;
  withCredentials: boolean;
  readyState = 0;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  listeners = new Map<string, ((e: MessageEvent) => void)[]>();
  constructor(url: string, init?: { withCredentials?: boolean }) {
    this.url = url;
    this.withCredentials = !!init?.withCredentials;
    FakeEventSource.instances.push(this);
  }
  /** The instances the hub has not closed. */
  static get live() {
    return FakeEventSource.instances.filter((s) => s.readyState !== FakeEventSource.CLOSED);
  }
  addEventListener(type: string, fn: (e: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  emit(type: string, data: unknown, id: number) {
    const ev = new MessageEvent(type, { data: JSON.stringify(data), lastEventId: String(id) });
    this.listeners.get(type)?.forEach((fn) => fn(ev));
  }
  /** The browser gave up on the stream (readyState CLOSED, then `error`), as after a server restart. */
  fail() {
    this.readyState = 2;
    this.onerror?.();
  }
  close() {
    this.readyState = 2;
  }
}

export function installEventSource() {
  FakeEventSource.instances = [];
  vi.stubGlobal('EventSource', FakeEventSource);
}
