import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import TaskFormPage from '../pages/TaskFormPage';
import type { Task } from '../lib/types';
import { mockFetch } from './fakes';

afterEach(() => {
  vi.unstubAllGlobals();
});

const routes = {
  'GET /api/runtimes': { items: [{ name: 'sim-sglang' }] },
  'GET /api/quantization/presets': { items: [{ name: 'default' }] },
  'GET /api/runtimes/sim-sglang/flags': { items: [] },
  'GET /api/presets': { items: [
    { id: 1, name: 'memory', description: 'memory sweep', parameters: { mem_fraction_static: [0.85, 0.9], 'chunked-prefill-size': [2048, 4096] }, builtin: true },
  ] },
};

describe('TaskFormPage presets', () => {
  it('applies a preset: merges its parameters into the form, shows what was merged, and posts them', async () => {
    const { calls } = mockFetch({ ...routes, 'POST /api/tasks': (body: unknown) => ({ id: 9, name: 'p', spec: body }) as unknown as Task });
    render(<TaskFormPage mode="new" sourceId={null} />);
    fireEvent.change(document.querySelector('[name=task_name]')!, { target: { value: 'p' } });
    fireEvent.change(document.querySelector('[name="model.id_or_path"]')!, { target: { value: 'm' } });
    fireEvent.change(document.querySelector('[name="base_runtime"]')!, { target: { value: 'sim-sglang' } });
    fireEvent.click(screen.getByText('+ Add parameter'));
    fireEvent.change(screen.getByLabelText('parameter name'), { target: { value: 'mem-fraction-static' } });
    fireEvent.change(screen.getByLabelText('parameter values'), { target: { value: '0.8, 0.9' } });
    const select = await screen.findByLabelText('parameter preset');
    fireEvent.change(select, { target: { value: '1' } });
    fireEvent.click(screen.getByText('Apply preset'));
    const values = () => screen.getAllByLabelText('parameter values').map((e) => (e as HTMLInputElement).value);
    expect(screen.getAllByLabelText('parameter name').map((e) => (e as HTMLInputElement).value)).toEqual(['mem-fraction-static', 'chunked-prefill-size']);
    expect(values()).toEqual(['0.8, 0.9, 0.85', '2048, 4096']);
    const notes = screen.getByTestId('preset-merge-notes');
    expect(notes.textContent).toContain('mem-fraction-static extended: 0.8, 0.9 → 0.8, 0.9, 0.85');
    expect(notes.textContent).toContain('chunked-prefill-size added: 2048, 4096');

    fireEvent.change(screen.getByLabelText('preset merge'), { target: { value: 'preset' } });
    fireEvent.click(screen.getByText('Apply preset'));
    expect(values()).toEqual(['0.85, 0.9', '2048, 4096']);

    fireEvent.click(screen.getByText('Create task'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const posted = calls.find((c) => c.method === 'POST')!.body as { parameters: unknown };
    expect(posted.parameters).toEqual({ 'mem-fraction-static': [0.85, 0.9], 'chunked-prefill-size': [2048, 4096] });
  });
});
