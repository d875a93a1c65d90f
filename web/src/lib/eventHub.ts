import { backoff, EVENT_TYPES } from './taskStream';

/**
 * One `/api/events` connection shared by every subscriber (pages in a tab, or tabs via the SharedWorker).
 * The browser allows ~6 connections per host and each stream holds a server thread, so pages no longer open
 * `/api/tasks/{id}/events` each. No DOM or React here: the EventSource comes from an injected factory.
 */

/** The part of EventSource the hub uses (the browser's, or a fake in tests). */
export interface EventSourceLike {
  readyState: number;
  onopen: ((ev: Event) => void) | null;
  onerror: ((ev: Event) => void) | null;
  addEventListener(type: string, fn: (e: MessageEvent) => void): void;
  close(): void;
}

/** Returns null when there is no EventSource (tests without one, old runtimes): the hub then stays idle. */
export type EventSourceFactory = (url: string) => EventSourceLike | null;

export interface SubscriptionFilter {
  /** null: every task's events. */
  taskId: number | null;
  /** Also the task's log lines (`log`, `log_unstored`); needs a task id, the server sends lines only for named tasks. */
  logs: boolean;
}

export interface SubscriptionHandlers {
  /** `data` and `id` as the frame carried them (strings), so `parseEvent` reads them unchanged. */
  event(type: string, data: string, id: string): void;
  /** Events may have been missed: reload the snapshot. */
  resync(): void;
  connection(connected: boolean): void;
}

export interface EventHub {
  subscribe(filter: SubscriptionFilter, handlers: SubscriptionHandlers): () => void;
  /** Drops every subscriber and the connection (tests, or the worker fallback). */
  close(): void;
}

export interface HubOptions {
  /** Runs the (debounced) connection update; one microtask by default. */
  schedule?: (fn: () => void) => void;
}

/** The server names at most this many tasks in `?logs=`. */
export const MAX_LOG_TASKS = 64;
const LOG_TYPES = new Set(['log', 'log_unstored']);
const CLOSED = 2;

interface Subscriber {
  filter: SubscriptionFilter;
  handlers: SubscriptionHandlers;
}

/** `?logs=` value: the sorted union of tasks whose subscribers want lines (the newest 64 when more). */
export function logsKey(filters: Iterable<SubscriptionFilter>): string {
  const ids = new Set<number>();
  for (const f of filters) if (f.logs && f.taskId != null) ids.add(f.taskId);
  return [...ids]
    .sort((a, b) => a - b)
    .slice(-MAX_LOG_TASKS)
    .join(',');
}

export function eventsUrl(logs: string, since: number | null): string {
  const q: string[] = [];
  if (logs) q.push(`logs=${logs}`);
  if (since != null) q.push(`since=${since}`);
  return `/api/events${q.length ? `?${q.join('&')}` : ''}`;
}

/** Which task a frame is about (null: unreadable, or a hub-wide frame). */
function taskOf(data: string): number | null {
  try {
    const t = (JSON.parse(data) as { task_id?: unknown } | null)?.task_id;
    return typeof t === 'number' ? t : null;
  } catch {
    return null;
  }
}

export function createEventHub(factory: EventSourceFactory, opts: HubOptions = {}): EventHub {
  const schedule = opts.schedule ?? ((fn: () => void) => queueMicrotask(fn));
  const subs = new Map<number, Subscriber>();
  let nextSub = 1;
  let source: EventSourceLike | null = null;
  let openKey = '';
  let lastId: number | null = null;
  let attempt = 0;
  let gap = false; // the stream broke since it last opened: subscribers must reload once it is back
  let connected = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pending = false;

  // One subscriber's failing handler must not keep the event from the others (nor break the connection's loop).
  const each = (fn: (s: Subscriber) => void) =>
    [...subs.values()].forEach((s) => {
      try {
        fn(s);
      } catch (e) {
        console.error('event subscriber failed', e);
      }
    });

  const setConnected = (c: boolean) => {
    if (c === connected) return;
    connected = c;
    each((s) => s.handlers.connection(c));
  };

  const noteId = (raw: string) => {
    const n = raw ? Number(raw) : NaN;
    if (Number.isFinite(n)) lastId = n;
  };

  const route = (type: string, msg: MessageEvent) => {
    const data = String(msg.data ?? '');
    const id = msg.lastEventId ?? '';
    noteId(id);
    const task = taskOf(data);
    const isLog = LOG_TYPES.has(type);
    each((s) => {
      if (s.filter.taskId != null && s.filter.taskId !== task) return;
      if (isLog && !s.filter.logs) return;
      s.handlers.event(type, data, id);
    });
  };

  const drop = () => {
    if (source) {
      source.onopen = null;
      source.onerror = null;
      source.close();
    }
    source = null;
  };

  const open = () => {
    timer = null;
    if (!subs.size) return;
    openKey = logsKey([...subs.values()].map((s) => s.filter));
    const es = factory(eventsUrl(openKey, lastId));
    if (!es) return;
    source = es;
    es.onopen = () => {
      attempt = 0;
      setConnected(true);
      if (gap) each((s) => s.handlers.resync()); // after a break, refresh once (since= may not cover it all)
      gap = false;
    };
    es.onerror = () => {
      if (source !== es) return;
      gap = true;
      setConnected(false);
      // While CONNECTING the browser retries by itself (with Last-Event-ID); CLOSED means it gave up.
      if (es.readyState === CLOSED) {
        drop();
        timer = setTimeout(open, backoff(attempt++));
      }
    };
    es.addEventListener('resync', (m) => {
      if (source !== es) return;
      noteId((m as MessageEvent).lastEventId ?? '');
      each((s) => s.handlers.resync());
    });
    for (const type of EVENT_TYPES) {
      es.addEventListener(type, (m) => {
        if (source === es) route(type, m as MessageEvent);
      });
    }
  };

  /** Brings the connection in line with the subscribers: none → closed; other log tasks → reopened after lastId. */
  const sync = () => {
    pending = false;
    if (!subs.size) {
      drop();
      if (timer) clearTimeout(timer);
      timer = null;
      lastId = null; // a later subscriber loads its own snapshot; no replay of what nobody watched
      gap = false;
      attempt = 0;
      setConnected(false);
      return;
    }
    if (timer) return; // a reconnect is due; it opens with the current key
    const key = logsKey([...subs.values()].map((s) => s.filter));
    if (source && key === openKey) return;
    // A reopen for new log tasks resumes after lastId: no gap, so no resync and no "reconnecting". (Before any
    // event was seen there is no id to resume from; subscribers that old have just loaded their snapshots.)
    drop();
    open();
    if (!source) setConnected(false);
  };

  const later = () => {
    if (pending) return;
    pending = true;
    schedule(sync);
  };

  return {
    subscribe(filter, handlers) {
      const id = nextSub++;
      subs.set(id, { filter: { ...filter }, handlers });
      if (connected) handlers.connection(true);
      later();
      return () => {
        if (subs.delete(id)) later();
      };
    },
    close() {
      subs.clear();
      sync();
    },
  };
}

/** Tab → SharedWorker messages (`sub`: the tab's own subscription id). */
export type TabMessage =
  | { op: 'subscribe'; sub: number; filter: SubscriptionFilter }
  | { op: 'unsubscribe'; sub: number }
  | { op: 'bye' };

/** SharedWorker → tab messages. */
export type WorkerMessage =
  | { sub: number; kind: 'event'; type: string; data: string; id: string }
  | { sub: number; kind: 'resync' }
  | { sub: number; kind: 'connection'; connected: boolean };

/** The browser's EventSource (same-origin, with cookies), or null where there is none. */
export const browserEventSource: EventSourceFactory = (url) =>
  typeof EventSource === 'undefined' ? null : new EventSource(url, { withCredentials: true });
