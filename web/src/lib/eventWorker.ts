import { browserEventSource, createEventHub } from './eventHub';
import { createPortServer, type PortLike } from './eventPorts';

/**
 * SharedWorker entry: one `/api/events` connection for every tab of this origin (started from `events.ts`).
 * EventSource in a worker sends the origin's cookies for same-origin URLs, as a page does.
 */
const server = createPortServer(createEventHub(browserEventSource));

// The DOM lib types `self` as a Window; in a SharedWorker it receives `connect` events with the new tab's port.
const scope = self as unknown as { onconnect: ((e: MessageEvent) => void) | null };
scope.onconnect = (e) => {
  const port = e.ports[0] as unknown as PortLike | undefined;
  if (port) server.connect(port);
};
