import { afterEach, describe, expect, it, vi } from 'vitest';
import { browserEventSource, createEventHub, eventsUrl, logsKey, MAX_LOG_TASKS, type SubscriptionHandlers } from '../eventHub';
import { FakeEventSource, installEventSource } from '../../test/fakes';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** A hub over fresh fakes, and a flush for its (microtask-debounced) connection updates. */
function setup() {
  FakeEventSource.instances = [];
  const hub = createEventHub((url) => new FakeEventSource(url));
  const flush = () => Promise.resolve();
  return { hub, flush };
}

/** Handlers that record what reached them. */
function recorder() {
  const got: { type: string; data: unknown; id: string }[] = [];
  const seen = { resyncs: 0, connection: [] as boolean[] };
  const handlers: SubscriptionHandlers = {
    event: (type, data, id) => got.push({ type, data: JSON.parse(data), id }),
    resync: () => seen.resyncs++,
    connection: (c) => seen.connection.push(c),
  };
  return { got, seen, handlers, types: () => got.map((g) => `${g.type}@${(g.data as { task_id: number }).task_id}`) };
}

const status = (task: number) => ({ task_id: task, status: 'running', stop_reason: '' });
const line = (task: number, logId: number) => ({ task_id: task, log_id: logId, experiment_id: null, level: 'info', line: `l${logId}`, at: 1 });

describe('eventHub', () => {
  it('shares one connection between subscribers of different tasks and routes events by task_id', async () => {
    const { hub, flush } = setup();
    const a = recorder();
    const b = recorder();
    const all = recorder();
    hub.subscribe({ taskId: 1, logs: false }, a.handlers);
    hub.subscribe({ taskId: 2, logs: false }, b.handlers);
    hub.subscribe({ taskId: null, logs: false }, all.handlers);
    await flush();
    expect(FakeEventSource.instances.map((s) => s.url)).toEqual(['/api/events']);
    const es = FakeEventSource.last;
    es.open();
    expect(a.seen.connection).toEqual([true]);
    es.emit('task_status', status(1), 5);
    es.emit('progress', { task_id: 2, max_iterations: 3, running: 1, best_score: null, best_experiment_id: null }, 6);
    es.emit('task_status', status(3), 7);
    expect(a.types()).toEqual(['task_status@1']);
    expect(b.types()).toEqual(['progress@2']);
    expect(all.types()).toEqual(['task_status@1', 'progress@2', 'task_status@3']);
    expect(a.got[0].id).toBe('5');
  });

  it('sends log lines only to subscribers that asked for them', async () => {
    const { hub, flush } = setup();
    const page = recorder();
    const logs = recorder();
    hub.subscribe({ taskId: 4, logs: false }, page.handlers);
    hub.subscribe({ taskId: 4, logs: true }, logs.handlers);
    await flush();
    expect(FakeEventSource.instances.map((s) => s.url)).toEqual(['/api/events?logs=4']);
    const es = FakeEventSource.last;
    es.open();
    es.emit('log', line(4, 1), 1);
    es.emit('log_unstored', { task_id: 4, level: 'info', at: 1 }, 2);
    es.emit('task_status', status(4), 3);
    expect(page.types()).toEqual(['task_status@4']);
    expect(logs.types()).toEqual(['log@4', 'log_unstored@4', 'task_status@4']);
  });

  it('reopens once, after the last id seen, when a subscriber wants another task’s logs', async () => {
    const { hub, flush } = setup();
    const a = recorder();
    hub.subscribe({ taskId: 9, logs: true }, a.handlers);
    await flush();
    const first = FakeEventSource.last;
    first.open();
    first.emit('task_status', status(9), 41);
    // Two log subscribers in the same tick: one reopen naming both, sorted.
    const b = recorder();
    const unsubB = hub.subscribe({ taskId: 3, logs: true }, b.handlers);
    hub.subscribe({ taskId: 5, logs: false }, recorder().handlers);
    hub.subscribe({ taskId: 12, logs: true }, recorder().handlers);
    await flush();
    expect(first.readyState).toBe(FakeEventSource.CLOSED);
    expect(FakeEventSource.instances.map((s) => s.url)).toEqual(['/api/events?logs=9', '/api/events?logs=3,9,12&since=41']);
    // The old connection's late frames are ignored; the new one's reach both.
    first.emit('task_status', status(3), 42);
    expect(b.got).toEqual([]);
    FakeEventSource.last.open();
    FakeEventSource.last.emit('log', line(3, 7), 42);
    expect(b.types()).toEqual(['log@3']);
    // A reopen for new log tasks is no gap: nobody reloads, nobody sees "reconnecting".
    expect(a.seen.resyncs).toBe(0);
    expect(a.seen.connection).toEqual([true]);
    // Leaving a logs subscription narrows the list again; a non-log change does not reopen.
    unsubB();
    await flush();
    expect(FakeEventSource.last.url).toBe('/api/events?logs=9,12&since=42');
    const n = FakeEventSource.instances.length;
    hub.subscribe({ taskId: 6, logs: false }, recorder().handlers);
    await flush();
    expect(FakeEventSource.instances.length).toBe(n);
  });

  it('closes the connection when the last subscriber leaves, and starts fresh for the next one', async () => {
    const { hub, flush } = setup();
    const a = recorder();
    const u1 = hub.subscribe({ taskId: 1, logs: false }, a.handlers);
    const u2 = hub.subscribe({ taskId: 2, logs: false }, recorder().handlers);
    await flush();
    const es = FakeEventSource.last;
    es.open();
    es.emit('task_status', status(1), 8);
    u1();
    await flush();
    expect(es.readyState).toBe(FakeEventSource.OPEN);
    u2();
    u2(); // twice is harmless
    await flush();
    expect(es.readyState).toBe(FakeEventSource.CLOSED);
    expect(FakeEventSource.live).toEqual([]);
    hub.subscribe({ taskId: 1, logs: false }, recorder().handlers);
    await flush();
    expect(FakeEventSource.last.url).toBe('/api/events');
    // A subscribe and unsubscribe in the same tick open nothing.
    hub.close();
    await flush();
    const n = FakeEventSource.instances.length;
    hub.subscribe({ taskId: 1, logs: false }, recorder().handlers)();
    await flush();
    expect(FakeEventSource.instances.length).toBe(n);
  });

  it('reconnects after the browser closed the stream with backoff and since=, then asks for a reload', async () => {
    const { hub, flush } = setup();
    const a = recorder();
    hub.subscribe({ taskId: 1, logs: true }, a.handlers);
    await flush();
    const first = FakeEventSource.last;
    first.open();
    first.emit('task_status', status(1), 100);
    vi.useFakeTimers();
    first.fail();
    expect(a.seen.connection).toEqual([true, false]);
    vi.advanceTimersByTime(999);
    expect(FakeEventSource.instances.length).toBe(1);
    vi.advanceTimersByTime(1);
    expect(FakeEventSource.last.url).toBe('/api/events?logs=1&since=100');
    // It fails again before opening: the next try waits twice as long.
    FakeEventSource.last.fail();
    vi.advanceTimersByTime(1999);
    expect(FakeEventSource.instances.length).toBe(2);
    vi.advanceTimersByTime(1);
    expect(FakeEventSource.instances.length).toBe(3);
    expect(a.seen.resyncs).toBe(0);
    FakeEventSource.last.open();
    expect(a.seen.connection).toEqual([true, false, true]);
    expect(a.seen.resyncs).toBe(1);
    // A transient error (the browser retries by itself) does not reopen, but still reloads once back.
    FakeEventSource.last.readyState = FakeEventSource.CONNECTING;
    FakeEventSource.last.onerror?.();
    vi.advanceTimersByTime(20000);
    expect(FakeEventSource.instances.length).toBe(3);
    FakeEventSource.last.open();
    expect(a.seen.resyncs).toBe(2);
  });

  it('passes the server’s resync on to every subscriber and resumes after its id', async () => {
    const { hub, flush } = setup();
    const a = recorder();
    const b = recorder();
    hub.subscribe({ taskId: 1, logs: false }, a.handlers);
    hub.subscribe({ taskId: null, logs: false }, b.handlers);
    await flush();
    FakeEventSource.last.open();
    FakeEventSource.last.emit('resync', { task_id: null, reason: 'fell_behind' }, 300);
    expect([a.seen.resyncs, b.seen.resyncs]).toEqual([1, 1]);
    hub.subscribe({ taskId: 2, logs: true }, recorder().handlers);
    await flush();
    expect(FakeEventSource.last.url).toBe('/api/events?logs=2&since=300');
  });

  it('tells a late subscriber the connection is already up', async () => {
    const { hub, flush } = setup();
    hub.subscribe({ taskId: 1, logs: false }, recorder().handlers);
    await flush();
    FakeEventSource.last.open();
    const late = recorder();
    hub.subscribe({ taskId: 2, logs: false }, late.handlers);
    expect(late.seen.connection).toEqual([true]);
  });
});

describe('eventHub helpers', () => {
  it('names at most the newest 64 log tasks, sorted and unique', () => {
    const filters = Array.from({ length: 70 }, (_, i) => ({ taskId: 70 - i, logs: true }));
    filters.push({ taskId: 70, logs: true }, { taskId: 500, logs: false }, { taskId: null as unknown as number, logs: true });
    const ids = logsKey(filters).split(',').map(Number);
    expect(ids).toHaveLength(MAX_LOG_TASKS);
    expect(ids[0]).toBe(7);
    expect(ids[ids.length - 1]).toBe(70);
    expect(eventsUrl('', null)).toBe('/api/events');
    expect(eventsUrl('1,2', 5)).toBe('/api/events?logs=1,2&since=5');
  });

  it('opens the browser EventSource with credentials, and nothing where there is none', () => {
    installEventSource();
    browserEventSource('/api/events');
    expect(FakeEventSource.last.withCredentials).toBe(true);
    vi.stubGlobal('EventSource', undefined);
    expect(browserEventSource('/api/events')).toBeNull();
  });
});
