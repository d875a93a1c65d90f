import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import TaskResults, { ExperimentsTable } from '../pages/TaskResults';
import type { Experiment, Task } from '../lib/types';
import { installEventSource, mockFetch } from './fakes';

afterEach(() => {
  vi.unstubAllGlobals();
});

const exp = (id: number, n: number, a: number, latency: number): Experiment => ({
  id, task_id: 3, experiment_id: n, status: 'success', parameters: { a, policy: 'lpm' }, score: latency, feasible: true,
  metrics: { mean_e2e_latency: latency, mean_ttft: latency / 10, p99_ttft: latency / 5, raw_results: [] },
  error_class: '', error_message: '', transitions: [], created_at: n,
});
const list = [exp(11, 1, 1, 0.9), exp(12, 2, 2, 0.3)];

const headers = () => within(screen.getByTestId('experiments-table')).getAllByRole('columnheader').map((h) => h.textContent!.replace(/ [▲▼]$/, ''));
const cells = (column: string) => document.querySelectorAll(`td[data-column="${column}"]`);
const table = (taskId: number) => <ExperimentsTable taskId={taskId} experiments={list} best={null} hovered={null} setHovered={() => undefined} />;
const openMenu = () => fireEvent.click(screen.getByRole('button', { name: 'Columns' }));
const box = (name: string) => within(screen.getByRole('group', { name: 'Choose columns' })).getByLabelText(name) as HTMLInputElement;

describe('ExperimentsTable columns', () => {
  it('lists parameters, METRIC_COLUMNS and the other metrics; toggling hides and shows header and cells', () => {
    render(table(3));
    expect(headers()).toEqual(['⇄', '#', 'Status', 'a', 'policy', 'SLO penalty', 'Score', 'mean_e2e_latency', 'mean_ttft', 'Error', 'Log']);
    openMenu();
    const group = screen.getByRole('group', { name: 'Choose columns' });
    const names = within(group).getAllByRole('checkbox').map((c) => c.closest('label')!.textContent);
    expect(names).toEqual(['a', 'policy', 'mean_e2e_latency', 'mean_ttft', 'mean_tpot', 'mean_output_throughput', 'mean_total_throughput', 'success_rate', 'p99_ttft']);
    expect(box('p99_ttft').checked).toBe(false);

    fireEvent.click(box('a'));
    expect(headers()).not.toContain('a');
    expect(cells('p:a')).toHaveLength(0);
    fireEvent.click(box('p99_ttft'));
    expect(headers()).toContain('p99_ttft');
    expect([...cells('m:p99_ttft')].map((c) => c.textContent)).toEqual(['0.18', '0.06']);
    fireEvent.click(box('a'));
    expect(headers().slice(3, 5)).toEqual(['a', 'policy']);
    expect([...cells('p:a')].map((c) => c.textContent)).toEqual(['1', '2']);
  });

  it('keeps the choice per task across a remount, and not for another task', () => {
    const first = render(table(3));
    openMenu();
    fireEvent.click(box('mean_ttft'));
    expect(JSON.parse(localStorage.getItem('autotuner.columns.3')!)).toEqual({ 'm:mean_ttft': false });
    first.unmount();

    const again = render(table(3));
    expect(headers()).not.toContain('mean_ttft');
    openMenu();
    expect(box('mean_ttft').checked).toBe(false);
    again.unmount();

    render(table(4));
    expect(headers()).toContain('mean_ttft');
    expect(localStorage.getItem('autotuner.columns.4')).toBeNull();
  });

  it('follows a change of task on the same table', () => {
    localStorage.setItem('autotuner.columns.3', JSON.stringify({ 'p:policy': false }));
    const { rerender } = render(table(3));
    expect(headers()).not.toContain('policy');
    rerender(table(4));
    expect(headers()).toContain('policy');
  });

  it('Reset restores the default columns and forgets the stored choice', () => {
    render(table(3));
    openMenu();
    fireEvent.click(box('policy'));
    fireEvent.click(box('p99_ttft'));
    expect(headers()).toEqual(expect.arrayContaining(['p99_ttft']));
    fireEvent.click(screen.getByRole('button', { name: 'Reset' }));
    expect(headers()).toEqual(['⇄', '#', 'Status', 'a', 'policy', 'SLO penalty', 'Score', 'mean_e2e_latency', 'mean_ttft', 'Error', 'Log']);
    expect(box('policy').checked).toBe(true);
    expect(localStorage.getItem('autotuner.columns.3')).toBeNull();
  });

  it('is a labelled disclosure: focus moves into the list, Escape closes it and returns focus', () => {
    render(table(3));
    const button = screen.getByRole('button', { name: 'Columns' });
    expect(button.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(button);
    expect(button.getAttribute('aria-expanded')).toBe('true');
    const group = screen.getByRole('group', { name: 'Choose columns' });
    expect(button.getAttribute('aria-controls')).toBe(group.id);
    expect(document.activeElement).toBe(box('a'));
    fireEvent.keyDown(box('a'), { key: 'Escape' });
    expect(screen.queryByRole('group', { name: 'Choose columns' })).toBeNull();
    expect(document.activeElement).toBe(button);
  });
});

describe('TaskResults CSV export', () => {
  const task: Task = {
    id: 3, name: 'csv', description: '', status: 'completed', created_at: 1, started_at: 1, finished_at: 2, stop_reason: '',
    spec: { task_name: 'csv' },
    summary: { max_iterations: 2, total: 2, success: 2, failed: 0, pruned: 0, cancelled: 0, running: 0, best_score: 0.3, best_experiment_id: 12 },
  };

  it('leaves out the columns hidden in the table', async () => {
    installEventSource();
    mockFetch({ 'GET /api/tasks/3': task, 'GET /api/tasks/3/experiments': { items: list } });
    const blobs: Blob[] = [];
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: (b: Blob) => (blobs.push(b), 'blob:x'), revokeObjectURL: () => undefined }));
    render(<TaskResults taskId={3} />);
    await screen.findByTestId('experiments-table');
    const csvHeader = async () => {
      fireEvent.click(screen.getByRole('button', { name: 'CSV' }));
      await waitFor(() => expect(blobs.length).toBeGreaterThan(0));
      return (await blobs.pop()!.text()).split('\n')[0];
    };
    expect(await csvHeader()).toBe('experiment_id,status,score,feasible,error_class,a,policy,mean_e2e_latency,mean_ttft,p99_ttft');
    openMenu();
    fireEvent.click(box('policy'));
    fireEvent.click(box('mean_ttft'));
    expect(headers()).not.toContain('policy');
    expect(await csvHeader()).toBe('experiment_id,status,score,feasible,error_class,a,mean_e2e_latency,p99_ttft');
  });
});
