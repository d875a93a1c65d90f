import { afterEach, describe, expect, it, vi } from 'vitest';
import { waitFor } from '@testing-library/react';
import { createEventHub, type SubscriptionHandlers } from '../eventHub';
import { createPortServer, portClient, type PortLike } from '../eventPorts';
import { events, resetEvents } from '../events';
import { FakeEventSource, installEventSource } from '../../test/fakes';

const channels: MessageChannel[] = [];
afterEach(() => {
  resetEvents();
  channels.splice(0).forEach((c) => (c.port1.close(), c.port2.close()));
  vi.unstubAllGlobals();
});

/** The worker's hub and port server, and a way to open a "tab" on it over a real MessageChannel. */
function worker() {
  FakeEventSource.instances = [];
  const server = createPortServer(createEventHub((url) => new FakeEventSource(url)));
  const tab = () => {
    const ch = new MessageChannel();
    channels.push(ch);
    server.connect(ch.port2 as unknown as PortLike);
    return portClient(ch.port1 as unknown as PortLike);
  };
  return { server, tab };
}

function recorder() {
  const got: string[] = [];
  const seen = { resyncs: 0, connected: false };
  const handlers: SubscriptionHandlers = {
    event: (type, data) => got.push(`${type}@${(JSON.parse(data) as { task_id: number }).task_id}`),
    resync: () => seen.resyncs++,
    connection: (c) => (seen.connected = c),
  };
  return { got, seen, handlers };
}

const status = (task: number) => ({ task_id: task, status: 'running', stop_reason: '' });
const line = (task: number) => ({ task_id: task, log_id: 1, experiment_id: null, level: 'info', line: 'x', at: 1 });

describe('SharedWorker channel', () => {
  it('serves several tabs from one connection, each getting its own tasks (and lines only where asked)', async () => {
    const { server, tab } = worker();
    const results = recorder();
    const logs = recorder();
    tab().subscribe({ taskId: 1, logs: false }, results.handlers);
    tab().subscribe({ taskId: 2, logs: true }, logs.handlers);
    await waitFor(() => expect(server.tabs).toBe(2));
    await waitFor(() => expect(FakeEventSource.live.map((s) => s.url)).toEqual(['/api/events?logs=2']));
    const es = FakeEventSource.live[0];
    es.open();
    es.emit('task_status', status(1), 1);
    es.emit('log', line(2), 2);
    es.emit('log', line(1), 3);
    await waitFor(() => expect(logs.got).toEqual(['log@2']));
    await waitFor(() => expect(results.got).toEqual(['task_status@1']));
    expect(results.seen.connected).toBe(true);
  });

  it("drops a tab's subscriptions when it says bye, and the connection with the last tab", async () => {
    const { server, tab } = worker();
    const a = tab();
    const b = tab();
    const unsubA = a.subscribe({ taskId: 1, logs: true }, recorder().handlers);
    b.subscribe({ taskId: 2, logs: false }, recorder().handlers);
    await waitFor(() => expect(FakeEventSource.live.map((s) => s.url)).toEqual(['/api/events?logs=1']));
    unsubA();
    await waitFor(() => expect(FakeEventSource.live.map((s) => s.url)).toEqual(['/api/events']));
    b.bye();
    await waitFor(() => expect(FakeEventSource.live).toEqual([]));
    expect(server.tabs).toBe(0);
  });

  it('forgets a port whose postMessage throws (its tab is gone)', async () => {
    FakeEventSource.instances = [];
    const server = createPortServer(createEventHub((url) => new FakeEventSource(url)));
    const port: PortLike = { onmessage: null, postMessage: vi.fn(() => { throw new Error('detached'); }) };
    server.connect(port);
    port.onmessage?.(new MessageEvent('message', { data: { op: 'subscribe', sub: 1, filter: { taskId: 1, logs: false } } }));
    await Promise.resolve();
    expect(server.tabs).toBe(1);
    FakeEventSource.last.open(); // the hub tells the tab "connected": the post throws
    expect(port.postMessage).toHaveBeenCalledTimes(1);
    expect(server.tabs).toBe(0);
    await Promise.resolve();
    expect(FakeEventSource.live).toEqual([]);
  });

  it('subscribes again, and reloads, when a tab comes back from the back/forward cache', async () => {
    const { server, tab } = worker();
    const t = tab();
    const a = recorder();
    t.subscribe({ taskId: 5, logs: false }, a.handlers);
    await waitFor(() => expect(FakeEventSource.live.length).toBe(1));
    t.bye();
    await waitFor(() => expect(server.tabs).toBe(0));
    t.resend();
    expect(a.seen.resyncs).toBe(1);
    await waitFor(() => expect(server.tabs).toBe(1));
    await waitFor(() => expect(FakeEventSource.live.length).toBe(1));
    FakeEventSource.live[0].emit('task_status', status(5), 9);
    await waitFor(() => expect(a.got).toEqual(['task_status@5']));
  });
});

describe('events() in a tab', () => {
  it('falls back to a hub of its own where there is no SharedWorker, one connection for the whole tab', async () => {
    installEventSource();
    events().subscribe({ taskId: 1, logs: false }, recorder().handlers);
    events().subscribe({ taskId: 2, logs: false }, recorder().handlers);
    await Promise.resolve();
    expect(FakeEventSource.instances.map((s) => s.url)).toEqual(['/api/events']);
    resetEvents();
    expect(FakeEventSource.last.readyState).toBe(FakeEventSource.CLOSED);
  });

  it('falls back when constructing the SharedWorker throws', async () => {
    installEventSource();
    vi.stubGlobal('SharedWorker', function () {
      throw new Error('blocked');
    });
    events().subscribe({ taskId: 1, logs: true }, recorder().handlers);
    await Promise.resolve();
    expect(FakeEventSource.instances.map((s) => s.url)).toEqual(['/api/events?logs=1']);
  });

  it('uses the SharedWorker where there is one, and moves to a hub of its own when the worker fails to load', async () => {
    installEventSource();
    const { server } = worker();
    const made: { name?: string; type?: string }[] = [];
    let failed: (() => void) | null = null;
    vi.stubGlobal(
      'SharedWorker',
      class {
        port: MessagePort;
        constructor(_url: URL, opts: { name?: string; type?: string }) {
          made.push(opts);
          const ch = new MessageChannel();
          channels.push(ch);
          server.connect(ch.port2 as unknown as PortLike);
          this.port = ch.port1;
        }
        set onerror(fn: () => void) {
          failed = fn;
        }
      },
    );
    const a = recorder();
    events().subscribe({ taskId: 3, logs: false }, a.handlers);
    expect(made).toEqual([{ type: 'module', name: 'autotuner-events' }]);
    await waitFor(() => expect(server.tabs).toBe(1));
    await waitFor(() => expect(FakeEventSource.live.length).toBe(1));
    const viaWorker = FakeEventSource.live[0];
    viaWorker.emit('task_status', status(3), 1);
    await waitFor(() => expect(a.got).toEqual(['task_status@3']));
    // The worker script failed: the subscription moves to this tab's own hub (a second, tab-local connection).
    failed!();
    await waitFor(() => expect(server.tabs).toBe(0));
    expect(viaWorker.readyState).toBe(FakeEventSource.CLOSED);
    const own = FakeEventSource.live;
    expect(own.length).toBe(1);
    own[0].emit('task_status', status(3), 2);
    expect(a.got).toEqual(['task_status@3', 'task_status@3']);
  });
});
