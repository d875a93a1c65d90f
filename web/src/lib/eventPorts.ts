import type { EventHub, SubscriptionFilter, SubscriptionHandlers, TabMessage, WorkerMessage } from './eventHub';

/**
 * The two ends of the tab ↔ SharedWorker channel: the worker serves one hub to every tab's port; a tab speaks
 * to it through `portClient`, which looks like a hub. Kept apart from the worker's entry so tests can wire both
 * ends with a MessageChannel.
 */

/** What both ends use of a MessagePort. */
export interface PortLike {
  postMessage(msg: unknown): void;
  onmessage: ((e: MessageEvent) => void) | null;
  start?(): void;
  close?(): void;
}

/** Worker side: subscribes on `hub` for a port's tab, and forgets them when the tab says bye or can't be reached. */
export function createPortServer(hub: EventHub) {
  const ports = new Map<PortLike, Map<number, () => void>>();

  const forget = (port: PortLike) => {
    const subs = ports.get(port);
    ports.delete(port);
    subs?.forEach((unsubscribe) => unsubscribe());
  };

  const post = (port: PortLike, msg: WorkerMessage) => {
    try {
      port.postMessage(msg);
    } catch {
      forget(port); // a port whose tab is gone; 'bye' may never have come (a crash, a killed process)
    }
  };

  const handlersFor = (port: PortLike, sub: number): SubscriptionHandlers => ({
    event: (type, data, id) => post(port, { sub, kind: 'event', type, data, id }),
    resync: () => post(port, { sub, kind: 'resync' }),
    connection: (connected) => post(port, { sub, kind: 'connection', connected }),
  });

  const onMessage = (port: PortLike, msg: TabMessage) => {
    if (msg.op === 'bye') return forget(port);
    let subs = ports.get(port);
    if (msg.op === 'unsubscribe') {
      subs?.get(msg.sub)?.();
      subs?.delete(msg.sub);
      if (subs && !subs.size) ports.delete(port); // only ports with subscriptions are kept
      return;
    }
    if (!subs) ports.set(port, (subs = new Map()));
    subs.get(msg.sub)?.(); // a repeated id replaces its subscription
    subs.set(msg.sub, hub.subscribe(msg.filter, handlersFor(port, msg.sub)));
  };

  return {
    connect(port: PortLike) {
      port.onmessage = (e) => onMessage(port, e.data as TabMessage);
      port.start?.();
    },
    /** How many tabs have subscriptions (tests). */
    get tabs() {
      return ports.size;
    },
  };
}

export interface PortClient extends EventHub {
  /** The tab goes away (pagehide): the worker drops its subscriptions. */
  bye(): void;
  /** The tab came back from the back/forward cache: subscribe again what it still has. */
  resend(): void;
}

/** Tab side: a hub whose subscriptions live in the SharedWorker. */
export function portClient(port: PortLike): PortClient {
  const subs = new Map<number, { filter: SubscriptionFilter; handlers: SubscriptionHandlers }>();
  let next = 1;
  const send = (msg: TabMessage) => port.postMessage(msg);

  port.onmessage = (e) => {
    const m = e.data as WorkerMessage;
    const s = subs.get(m.sub);
    if (!s) return; // unsubscribed while the message was on its way
    if (m.kind === 'event') s.handlers.event(m.type, m.data, m.id);
    else if (m.kind === 'resync') s.handlers.resync();
    else s.handlers.connection(m.connected);
  };
  port.start?.();

  return {
    subscribe(filter, handlers) {
      const sub = next++;
      subs.set(sub, { filter: { ...filter }, handlers });
      send({ op: 'subscribe', sub, filter });
      return () => {
        if (subs.delete(sub)) send({ op: 'unsubscribe', sub });
      };
    },
    close() {
      subs.clear();
      send({ op: 'bye' });
    },
    bye: () => send({ op: 'bye' }),
    resend() {
      // Events may have passed while the page was frozen: each subscriber reloads too.
      subs.forEach((s, sub) => {
        send({ op: 'subscribe', sub, filter: s.filter });
        s.handlers.resync();
      });
    },
  };
}
