import { browserEventSource, createEventHub, type EventHub, type SubscriptionFilter, type SubscriptionHandlers } from './eventHub';
import { portClient, type PortClient } from './eventPorts';

/**
 * The tab's way to `/api/events`: through the SharedWorker (one connection for all tabs) where the browser has
 * one, else a hub of its own (one connection per tab, still not one per page). `resetEvents()` is for tests.
 */

interface Entry {
  filter: SubscriptionFilter;
  handlers: SubscriptionHandlers;
  unsubscribe: () => void;
}

/** A hub that can move its subscriptions to another backend (the worker failed to load). */
class Switchable implements EventHub {
  private entries = new Set<Entry>();
  constructor(private backend: EventHub) {}

  subscribe(filter: SubscriptionFilter, handlers: SubscriptionHandlers): () => void {
    const e: Entry = { filter, handlers, unsubscribe: this.backend.subscribe(filter, handlers) };
    this.entries.add(e);
    return () => {
      if (this.entries.delete(e)) e.unsubscribe();
    };
  }

  switchTo(next: EventHub): void {
    const old = this.backend;
    this.backend = next;
    this.entries.forEach((e) => {
      e.unsubscribe();
      e.unsubscribe = next.subscribe(e.filter, e.handlers);
    });
    old.close();
  }

  close(): void {
    this.entries.clear();
    this.backend.close();
  }
}

let client: Switchable | null = null;
let detach: (() => void) | null = null;

const localHub = () => createEventHub(browserEventSource);

function workerClient(onFail: () => void): PortClient | null {
  if (typeof SharedWorker === 'undefined') return null;
  try {
    const worker = new SharedWorker(new URL('./eventWorker.ts', import.meta.url), { type: 'module', name: 'autotuner-events' });
    worker.onerror = onFail; // the script did not load (or threw): carry on with a hub in this tab
    return portClient(worker.port);
  } catch {
    return null;
  }
}

function start(): Switchable {
  const pc = workerClient(() => client?.switchTo(localHub()));
  const c = new Switchable(pc ?? localHub());
  if (pc && typeof window !== 'undefined') {
    const hide = () => pc.bye();
    const show = (e: PageTransitionEvent) => e.persisted && pc.resend();
    window.addEventListener('pagehide', hide);
    window.addEventListener('pageshow', show);
    detach = () => {
      window.removeEventListener('pagehide', hide);
      window.removeEventListener('pageshow', show);
    };
  }
  return c;
}

/** The tab's event hub (created on first use). */
export function events(): EventHub {
  return (client ??= start());
}

/** Closes the tab's hub and forgets it, so the next `events()` starts afresh (tests install a new EventSource). */
export function resetEvents(): void {
  client?.close();
  client = null;
  detach?.();
  detach = null;
}
