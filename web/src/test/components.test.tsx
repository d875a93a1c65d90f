import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DiffTooltip, SubRoundScatter } from '../components/charts';
import TaskFormPage from '../pages/TaskFormPage';
import Logs from '../pages/Logs';
import { ExperimentsTable } from '../pages/TaskResults';
import { TaskStatusBadge, failureText } from '../components/common';
import { App } from '../App';
import { AXES_STORAGE_KEY } from '../lib/axes';
import type { Experiment, Task } from '../lib/types';
import { FakeEventSource, installEventSource, jsonResponse, mockFetch } from './fakes';

afterEach(() => {
  vi.unstubAllGlobals();
  window.location.hash = '';
});

const exp = (id: number, n: number, params: Experiment['parameters'], score: number | null, status: Experiment['status'] = 'success'): Experiment => ({
  id, task_id: 3, experiment_id: n, status, parameters: params, score, feasible: true,
  metrics: {
    mean_e2e_latency: score ?? 0,
    raw_results: [{ scenario: 'D(100,100)', num_concurrency: 1, requests_per_second: 2, mean_output_throughput_tokens_per_s: 100 * n, stats: { e2e_latency: { mean: score ?? 0, p99: 2 }, ttft: { p90: 0.1 } } }],
  },
  error_class: '', error_message: '', transitions: [], created_at: n,
});

const task: Task = {
  id: 3, name: 'quickstart', description: '', status: 'completed', created_at: 1, started_at: 1, finished_at: 2, stop_reason: '',
  spec: {
    task_name: 'quickstart', base_runtime: 'sim-sglang', deployment_mode: 'local', model: { id_or_path: 'meta-llama/Llama-3.2-1B-Instruct' },
    parameters: { 'mem-fraction-static': [0.7, 0.8] }, quantization_config: { presets: ['default', 'kv-cache-fp8'] },
    optimization: { max_iterations: 2 }, benchmark: { num_concurrency: [1, 4] },
    slo: { ttft: { threshold: 1.5, weight: 2 }, latency: { p90: { threshold: 5, hard_fail: true, fail_ratio: 0.2 } } },
  },
  summary: { max_iterations: 2, total: 0, success: 0, failed: 0, pruned: 0, cancelled: 0, running: 0, best_score: null, best_experiment_id: null },
};

describe('DiffTooltip', () => {
  it('highlights parameters that differ from the best and stars the best', () => {
    const best = exp(1, 1, { 'mem-fraction-static': 0.9, 'schedule-policy': 'lpm' }, 0.5);
    const other = exp(2, 2, { 'mem-fraction-static': 0.7, 'schedule-policy': 'lpm' }, 0.8);
    const { rerender } = render(<DiffTooltip exp={other} best={best} />);
    const diff = screen.getByText('mem-fraction-static: 0.7 (best: 0.9)');
    expect(diff).toHaveProperty('className', 'diff');
    expect(screen.getByText('schedule-policy: lpm').className).toBe('');
    expect(screen.queryByText(/⭐/)).toBeNull();
    rerender(<DiffTooltip exp={best} best={best} />);
    expect(screen.getByText(/⭐ best/)).toBeTruthy();
    expect(screen.getByText('mem-fraction-static: 0.9')).toBeTruthy();
  });
});

describe('TaskFormPage', () => {
  const baseRoutes = {
    'GET /api/runtimes': { items: [{ name: 'sim-sglang' }] },
    'GET /api/quantization/presets': { items: [{ name: 'default' }, { name: 'kv-cache-fp8' }] },
    'GET /api/runtimes/sim-sglang/flags': { items: [{ name: 'mem-fraction-static', type: 'float' }] },
  };

  it('shows client-side field errors next to their fields without calling the server', async () => {
    const { calls } = mockFetch(baseRoutes);
    render(<TaskFormPage mode="new" sourceId={null} />);
    fireEvent.change(screen.getByLabelText('Task name', { selector: 'input' }) ?? document.querySelector('[name=task_name]')!, { target: { value: 'bad name' } });
    fireEvent.change(document.querySelector('[name="benchmark.num_concurrency"]')!, { target: { value: '1, 0' } });
    fireEvent.click(screen.getByText('Create task'));
    const nameLabel = document.querySelector('[name=task_name]')!.closest('label')!;
    expect(within(nameLabel).getByText(/only letters/)).toBeTruthy();
    const concLabel = document.querySelector('[name="benchmark.num_concurrency"]')!.closest('label')!;
    expect(within(concLabel).getByText('[1]: must be a positive integer')).toBeTruthy();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
  });

  it('shows the server’s 422 field errors next to the fields', async () => {
    mockFetch({
      ...baseRoutes,
      'POST /api/tasks': () =>
        jsonResponse(422, {
          error: { code: 422, type: 'invalid_input', message: 'invalid', details: { errors: [
            { path: 'task_name', message: 'a task named quickstart exists' },
            { path: 'parameters.mem-fraction-static', message: 'unknown flag' },
            { path: 'optimization.max_iterations', message: 'must be a positive integer' },
          ] } },
        }),
    });
    render(<TaskFormPage mode="new" sourceId={null} />);
    fireEvent.change(document.querySelector('[name=task_name]')!, { target: { value: 'quickstart' } });
    fireEvent.change(document.querySelector('[name="model.id_or_path"]')!, { target: { value: 'm' } });
    fireEvent.click(screen.getByText('+ Add parameter'));
    fireEvent.change(screen.getByLabelText('parameter name'), { target: { value: 'mem-fraction-static' } });
    fireEvent.change(screen.getByLabelText('parameter values'), { target: { value: '0.7, 0.8' } });
    fireEvent.click(screen.getByText('Create task'));
    await screen.findByText('a task named quickstart exists');
    expect(within(document.querySelector('[name=task_name]')!.closest('label')!).getByText('a task named quickstart exists')).toBeTruthy();
    expect(within(screen.getByTestId('param-row').parentElement!).getByText('unknown flag')).toBeTruthy();
    expect(within(document.querySelector('[name="optimization.max_iterations"]')!.closest('label')!).getByText('must be a positive integer')).toBeTruthy();
    expect(screen.getByText(/rejected the task: 3 field errors/)).toBeTruthy();
  });

  it('prefills Duplicate from the source task as <name>_copy, SLO and quantization included, and posts it', async () => {
    const { calls } = mockFetch({
      ...baseRoutes,
      'GET /api/tasks/3': task,
      'GET /api/tasks': { items: [task] },
      'POST /api/tasks': (body: unknown) => ({ ...task, id: 4, spec: body }),
    });
    render(<TaskFormPage mode="duplicate" sourceId={3} />);
    await waitFor(() => expect((document.querySelector('[name=task_name]') as HTMLInputElement)?.value).toBe('quickstart_copy'));
    expect((document.querySelector('[name="slo.ttft.threshold"]') as HTMLInputElement).value).toBe('1.5');
    expect((document.querySelector('[name="slo.latency.p90.fail_ratio"]') as HTMLInputElement).value).toBe('0.2');
    expect((screen.getByLabelText('kv-cache-fp8') as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByText('Create task'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const posted = calls.find((c) => c.method === 'POST')!.body as Record<string, unknown>;
    expect(posted).toEqual({ ...task.spec, task_name: 'quickstart_copy' });
  });

  it('edits a task with PUT /api/tasks/{id}, keeping fields the form has no editor for', async () => {
    const spec = { ...task.spec, storage: { type: 'pvc', pvc_name: 'models' } };
    const { calls } = mockFetch({ ...baseRoutes, 'GET /api/tasks/3': { ...task, spec }, 'PUT /api/tasks/3': (body: unknown) => ({ ...task, spec: body }) });
    render(<TaskFormPage mode="edit" sourceId={3} />);
    await waitFor(() => expect((document.querySelector('[name=task_name]') as HTMLInputElement)?.value).toBe('quickstart'));
    fireEvent.change(document.querySelector('[name="optimization.max_iterations"]')!, { target: { value: '9' } });
    fireEvent.click(screen.getByText('Save changes'));
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.url).toBe('/api/tasks/3');
    expect(put.body).toEqual({ ...spec, optimization: { max_iterations: 9 } });
  });

  it('offers Duplicate instead of saving when the task has experiments', async () => {
    const measured = { ...task, summary: { ...task.summary, total: 2 } };
    const { calls } = mockFetch({ ...baseRoutes, 'GET /api/tasks/3': measured });
    render(<TaskFormPage mode="edit" sourceId={3} />);
    const banner = await screen.findByTestId('has-experiments');
    expect(banner.textContent).toMatch(/2 experiments/);
    expect((screen.getByText('Save changes') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(within(banner).getByText('Duplicate'));
    expect(window.location.hash).toBe('#/tasks/new?from=3');
    expect(calls.some((c) => c.method === 'PUT')).toBe(false);
  });

  it('shows the Duplicate offer when the server answers 409 has_experiments', async () => {
    mockFetch({
      ...baseRoutes,
      'GET /api/tasks/3': task,
      'PUT /api/tasks/3': () =>
        jsonResponse(409, { error: { code: 409, type: 'has_experiments', message: 'task has experiments: duplicate or clear first', details: { experiments: 1 } } }),
    });
    render(<TaskFormPage mode="edit" sourceId={3} />);
    await waitFor(() => expect((document.querySelector('[name=task_name]') as HTMLInputElement)?.value).toBe('quickstart'));
    fireEvent.click(screen.getByText('Save changes'));
    const banner = await screen.findByTestId('has-experiments');
    expect(banner.textContent).toMatch(/1 experiment,/);
  });

  it('imports a YAML task file into the form', async () => {
    mockFetch(baseRoutes);
    render(<TaskFormPage mode="new" sourceId={null} />);
    fireEvent.click(screen.getByText('Import YAML/JSON'));
    fireEvent.change(screen.getByLabelText('import text'), {
      target: { value: 'task_name: imported\nmodel:\n  id_or_path: m\nparameters:\n  tp-size: [1, 2]\nbenchmark:\n  num_concurrency: [1, 8]\n' },
    });
    fireEvent.click(screen.getByText('Load into form'));
    await waitFor(() => expect((document.querySelector('[name=task_name]') as HTMLInputElement).value).toBe('imported'));
    expect((screen.getByLabelText('parameter values') as HTMLInputElement).value).toBe('1, 2');
    expect((document.querySelector('[name="benchmark.num_concurrency"]') as HTMLInputElement).value).toBe('1, 8');
  });
});

describe('ExperimentsTable', () => {
  it('sorts by a column and toggles direction', () => {
    const list = [exp(11, 1, { a: 1 }, 0.9), exp(12, 2, { a: 2 }, 0.3), exp(13, 3, { a: 3 }, 0.6)];
    render(<ExperimentsTable taskId={3} experiments={list} best={list[1]} hovered={null} setHovered={() => undefined} />);
    const ids = () => screen.getAllByTestId('experiment-label').map((c) => c.textContent);
    expect(ids()).toEqual(['#1', '#2 ⭐', '#3']);
    fireEvent.click(screen.getByText('Score'));
    expect(ids()).toEqual(['#2 ⭐', '#3', '#1']);
    fireEvent.click(screen.getByText(/Score/));
    expect(ids()).toEqual(['#1', '#3', '#2 ⭐']);
  });

  it('opens the compare view for two chosen experiments (a third choice drops the oldest)', () => {
    const list = [exp(11, 1, { a: 1 }, 0.9), exp(12, 2, { a: 2 }, 0.3), exp(13, 3, { a: 3 }, 0.6)];
    render(<ExperimentsTable taskId={3} experiments={list} best={list[1]} hovered={null} setHovered={() => undefined} />);
    const button = screen.getByTestId('compare-selected') as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    for (const n of [1, 2, 3]) fireEvent.click(screen.getByLabelText(`compare #${n}`));
    expect(button.textContent).toBe('Compare selected (2/2)');
    fireEvent.click(button);
    expect(window.location.hash).toBe('#/compare?exp=12,13');
  });

  it('cancels one running experiment by its store id, and offers it only on active rows', async () => {
    const { calls } = mockFetch({ 'POST /api/experiments/12/cancel': { id: 12, status: 'deploying' } });
    const list = [exp(11, 1, { a: 1 }, 0.9), exp(12, 2, { a: 2 }, null, 'deploying'), exp(13, 3, { a: 3 }, null, 'pending')];
    render(<ExperimentsTable taskId={3} experiments={list} best={list[0]} hovered={null} setHovered={() => undefined} />);
    expect(screen.queryByTestId('cancel-experiment-1')).toBeNull();
    expect(screen.getByTestId('cancel-experiment-3')).toBeTruthy();
    fireEvent.click(screen.getByTestId('cancel-experiment-2'));
    await waitFor(() => expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['POST /api/experiments/12/cancel']));
    await waitFor(() => expect((screen.getByTestId('cancel-experiment-2') as HTMLButtonElement).disabled).toBe(true));
  });

  it('shows a maximize objective in its unit and direction, marks the baseline and keeps errors whole', () => {
    const objective = (value: number | null) => ({ name: 'maximize_throughput', metric: 'mean_total_throughput_per_gpu', value, unit: 'tok/s/GPU', higher_is_better: true });
    const base = { ...exp(20, 0, {}, -1000), kind: 'baseline' as const, objective: objective(1000), slo_penalty: 0 };
    const won = { ...exp(21, 1, { a: 1 }, -35039.5), objective: objective(35039.5), slo_penalty: 0 };
    const message = 'engine exited at 2026-12-02T10:20:18.123Z: CUDA out of memory while allocating the KV cache';
    const broke = { ...exp(22, 2, { a: 2 }, null), status: 'failed' as const, error_class: 'oom' as const, error_message: message, objective: objective(null) };
    render(<ExperimentsTable taskId={3} experiments={[base, won, broke]} best={won} hovered={null} setHovered={() => undefined} />);
    expect(screen.getByText('maximize_throughput (tok/s/GPU, higher is better)')).toBeTruthy();
    const cells = screen.getAllByTestId('objective-cell').map((c) => c.textContent);
    expect(cells).toEqual(['1000 tok/s/GPU', '35039.5 tok/s/GPU', '—']);
    expect(screen.getAllByTestId('experiment-label').map((c) => c.textContent)).toEqual(['#0 baseline', '#1 ⭐', '#2']);
    expect(screen.getAllByTestId('error-cell')[2].textContent).toBe(`oom: ${message}`);
    // Sorting by the objective puts the highest throughput last ascending, i.e. the direction is the metric's own.
    fireEvent.click(screen.getByText(/maximize_throughput \(/));
    expect(screen.getAllByTestId('objective-cell').map((c) => c.textContent)).toEqual(['—', '1000 tok/s/GPU', '35039.5 tok/s/GPU']);
  });
});

describe('TaskStatusBadge', () => {
  it('says no feasible configuration for an all-failed study instead of a green completed', () => {
    const summary = { max_iterations: 3, total: 3, success: 0, failed: 3, pruned: 0, cancelled: 0, running: 0, best_score: null, best_experiment_id: null, outcome: 'no_feasible_configuration' as const, failures: { oom: 1, deploy_failed: 2 } };
    render(<TaskStatusBadge task={{ status: 'completed', summary }} />);
    const badge = screen.getByText('no feasible configuration');
    expect(badge.getAttribute('data-status')).toBe('no_feasible_configuration');
    expect(failureText(summary.failures)).toBe('deploy_failed ×2, oom ×1');
  });
});

describe('SubRoundScatter', () => {
  it('offers flattened stats as axes and persists the selection', () => {
    const list = [exp(11, 1, {}, 0.9)];
    const setAxes = vi.fn();
    render(<SubRoundScatter experiments={list} best={null} hovered={null} setHovered={() => undefined} axes={{ x: 'num_concurrency', y: 'e2e_latency_mean' }} setAxes={setAxes} />);
    const x = screen.getByLabelText('x axis') as HTMLSelectElement;
    const options = [...x.options].map((o) => o.value);
    expect(options).toEqual(expect.arrayContaining(['num_concurrency', 'requests_per_second', 'e2e_latency_p99', 'ttft_p90']));
    fireEvent.change(x, { target: { value: 'ttft_p90' } });
    expect(setAxes).toHaveBeenCalledWith({ x: 'ttft_p90', y: 'e2e_latency_mean' });
    expect(JSON.parse(localStorage.getItem(AXES_STORAGE_KEY)!)).toEqual({ x: 'ttft_p90', y: 'e2e_latency_mean' });
  });
});

describe('Logs', () => {
  it('streams task log lines over SSE and scopes them to one experiment', async () => {
    installEventSource();
    mockFetch({
      'GET /api/tasks/3': { ...task, status: 'running' },
      'GET /api/tasks/3/experiments': { items: [exp(11, 1, {}, null, 'deploying'), exp(12, 2, {}, null, 'deploying')] },
      'GET /api/tasks/3/logs': { items: [{ task_id: 3, log_id: 1, experiment_id: null, level: 'info', line: 'Task started', at: 1 }] },
      'GET /api/experiments/12/logs': { items: [] },
    });
    render(<Logs taskId={3} experiment={2} />);
    await screen.findByText(/experiment #2/);
    const es = FakeEventSource.last;
    // The log page asks the shared stream for this task's lines.
    expect(es.url).toBe('/api/events?logs=3');
    act(() => {
      es.open();
      es.emit('log', { task_id: 3, log_id: 2, experiment_id: 1, level: 'info', line: '[Experiment 1] Status: DEPLOYING', at: 2 }, 10);
      es.emit('log', { task_id: 3, log_id: 3, experiment_id: 2, level: 'info', line: '[Experiment 2] Status: DEPLOYING', at: 2 }, 11);
      es.emit('log', { task_id: 3, log_id: 4, experiment_id: 2, level: 'info', line: 'engine 2 ready', at: 3 }, 12);
      es.emit('log', { task_id: 3, log_id: 5, experiment_id: 1, level: 'info', line: 'engine 1 ready', at: 3 }, 13);
    });
    await screen.findByText('engine 2 ready');
    expect(screen.queryByText('engine 1 ready')).toBeNull();
    expect(screen.getByTestId('log-count').textContent).toBe('2 / 2 lines');
    fireEvent.change(screen.getByLabelText('filter text'), { target: { value: 'ready' } });
    expect(screen.getByTestId('log-count').textContent).toBe('1 / 2 lines');
  });

  it("reads an early experiment's whole log from its paged endpoint (not the task log) and downloads it", async () => {
    installEventSource();
    const stored = Array.from({ length: 2500 }, (_, i) => ({ task_id: 3, log_id: 10 + i * 30, experiment_id: 1, level: 'info', line: `engine line ${i}`, at: i }));
    const { calls } = mockFetch({
      'GET /api/tasks/3': task,
      'GET /api/tasks/3/experiments': { items: [exp(11, 1, {}, 0.5), exp(12, 2, {}, 0.6)] },
      'GET /api/experiments/11/logs?after=0&limit=2000': { items: stored.slice(0, 2000) },
      [`GET /api/experiments/11/logs?after=${stored[1999].log_id}&limit=2000`]: { items: stored.slice(2000) },
    });
    const blobs: Blob[] = [];
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: (b: Blob) => (blobs.push(b), 'blob:x'), revokeObjectURL: () => undefined }));
    render(<Logs taskId={3} experiment={1} />);
    await waitFor(() => expect(screen.getByTestId('log-count').textContent).toBe('2500 / 2500 lines'));
    expect(calls.some((c) => c.url.startsWith('/api/tasks/3/logs'))).toBe(false);
    fireEvent.click(screen.getByTestId('download-log'));
    const text = await blobs[0].text();
    expect(text.split('\n')).toHaveLength(2501);
    expect(text).toContain('INFO    engine line 2499');
  });
});

describe('App login', () => {
  it('shows the login form on 401 and signs in with POST /api/auth/login', async () => {
    let loggedIn = false;
    const { calls } = mockFetch({
      'GET /api/tasks': () => (loggedIn ? { items: [] } : jsonResponse(401, { error: { code: 401, type: 'unauthorized', message: 'token required' } })),
      'GET /api/gpus': () => (loggedIn ? { items: [] } : jsonResponse(401, { error: { code: 401, type: 'unauthorized', message: 'token required' } })),
      'GET /api/system/info': () => (loggedIn ? {} : jsonResponse(401, { error: { code: 401, type: 'unauthorized', message: 'token required' } })),
      'POST /api/auth/login': (body: unknown) => {
        if ((body as { token: string }).token !== 'secret') return jsonResponse(401, { error: { code: 401, type: 'unauthorized', message: 'wrong token' } });
        loggedIn = true;
        return { ok: true };
      },
    });
    render(<App />);
    const input = await screen.findByLabelText('token');
    fireEvent.change(input, { target: { value: 'nope' } });
    fireEvent.click(screen.getByText('Sign in', { selector: 'button' }));
    await screen.findByText('wrong token');
    fireEvent.change(input, { target: { value: 'secret' } });
    fireEvent.click(screen.getByText('Sign in', { selector: 'button' }));
    await waitFor(() => expect(screen.queryByLabelText('token')).toBeNull());
    expect(calls.filter((c) => c.url === '/api/auth/login').map((c) => c.body)).toEqual([{ token: 'nope' }, { token: 'secret' }]);
    await screen.findByText(/No task is running/);
  });
});
