import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import Presets from '../pages/Presets';
import type { ParamPreset } from '../lib/types';
import { jsonResponse, mockFetch } from './fakes';

afterEach(() => {
  vi.unstubAllGlobals();
});

const shipped: ParamPreset = { id: 1, name: 'memory', description: 'memory sweep', parameters: { 'mem-fraction-static': [0.85, 0.9] }, builtin: true };
const mine: ParamPreset = { id: 2, name: 'mine', description: 'my sweep', parameters: { 'tp-size': [1, 2] }, builtin: false };

const form = () => screen.getByTestId('preset-form');
const field = (label: RegExp) => within(form()).getByLabelText(label) as HTMLInputElement | HTMLTextAreaElement;
const row = (name: string) => screen.getByTestId(`preset-${name}`);

describe('Presets page', () => {
  it('edits a user preset in place: PUT /api/presets/{id} with the edited body, name fixed, list refreshed', async () => {
    let stored = mine;
    const { calls } = mockFetch({
      'GET /api/presets': () => ({ items: [shipped, stored] }),
      'PUT /api/presets/2': (body: unknown) => (stored = { ...mine, ...(body as Partial<ParamPreset>) }),
    });
    render(<Presets />);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit mine' }));
    expect(within(form()).getByRole('heading').textContent).toBe('Edit mine');
    expect(field(/^Name/).value).toBe('mine');
    expect(field(/^Name/).readOnly).toBe(true);
    expect(field(/^Description/).value).toBe('my sweep');
    expect(JSON.parse(field(/^Parameters/).value)).toEqual({ 'tp-size': [1, 2] });

    fireEvent.change(field(/^Description/), { target: { value: 'wider' } });
    fireEvent.change(field(/^Parameters/), { target: { value: 'tp-size: [1, 2, 4]\nschedule-policy: [lpm]' } });
    fireEvent.click(within(form()).getByRole('button', { name: 'Save changes' }));

    await waitFor(() => expect(within(row('mine')).getByText(/tp-size: .*4/)).toBeTruthy());
    const put = calls.filter((c) => c.method === 'PUT');
    expect(put).toEqual([{ method: 'PUT', url: '/api/presets/2', body: { name: 'mine', description: 'wider', parameters: { 'tp-size': [1, 2, 4], 'schedule-policy': ['lpm'] } } }]);
    expect(calls.filter((c) => c.method === 'GET' && c.url === '/api/presets')).toHaveLength(2);
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    expect(within(row('mine')).getByText('wider')).toBeTruthy();
    expect(within(form()).getByRole('heading').textContent).toBe('Create');
    expect(field(/^Name/).readOnly).toBe(false);
  });

  it('offers Copy, not Edit or Delete, on a shipped preset; Copy creates <name>_copy with its parameters', async () => {
    const { calls } = mockFetch({
      'GET /api/presets': { items: [shipped, mine] },
      'POST /api/presets': (body: unknown) => ({ id: 3, builtin: false, ...(body as object) }),
    });
    render(<Presets />);
    await screen.findByTestId('presets-table');
    const actions = within(row('memory')).getAllByRole('button').map((b) => b.textContent);
    expect(actions).toEqual(['Copy', 'Export']);
    expect(within(row('mine')).getAllByRole('button').map((b) => b.textContent)).toEqual(['Edit', 'Export', 'Delete']);

    fireEvent.click(screen.getByRole('button', { name: 'Copy memory' }));
    expect(within(form()).getByRole('heading').textContent).toBe('Create');
    expect(field(/^Name/).value).toBe('memory_copy');
    expect(field(/^Name/).readOnly).toBe(false);
    expect(JSON.parse(field(/^Parameters/).value)).toEqual(shipped.parameters);
    fireEvent.click(within(form()).getByRole('button', { name: 'Create preset' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    expect(calls.filter((c) => c.method !== 'GET')).toEqual([
      { method: 'POST', url: '/api/presets', body: { name: 'memory_copy', description: 'memory sweep', parameters: { 'mem-fraction-static': [0.85, 0.9] } } },
    ]);
  });

  it("shows the server's error in the banner and keeps the edit open", async () => {
    const { calls } = mockFetch({
      'GET /api/presets': { items: [mine] },
      'PUT /api/presets/2': () =>
        jsonResponse(422, { error: { code: 422, type: 'invalid_input', message: 'parameters.tp-size: must be a list', details: { errors: [{ path: 'parameters.tp-size', message: 'must be a list' }] } } }),
    });
    render(<Presets />);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit mine' }));
    fireEvent.change(field(/^Parameters/), { target: { value: '{"tp-size": 3}' } });
    fireEvent.click(within(form()).getByRole('button', { name: 'Save changes' }));
    expect((await screen.findByRole('alert')).textContent).toContain('parameters.tp-size: must be a list');
    expect(calls.filter((c) => c.method === 'PUT').map((c) => c.body)).toEqual([{ name: 'mine', description: 'my sweep', parameters: { 'tp-size': 3 } }]);
    expect(within(form()).getByRole('heading').textContent).toBe('Edit mine');
    expect(field(/^Parameters/).value).toBe('{"tp-size": 3}');
  });

  it('Cancel leaves the edit without a request', async () => {
    const { calls } = mockFetch({ 'GET /api/presets': { items: [mine] } });
    render(<Presets />);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit mine' }));
    fireEvent.click(within(form()).getByRole('button', { name: 'Cancel' }));
    expect(within(form()).getByRole('heading').textContent).toBe('Create');
    expect(field(/^Name/).value).toBe('');
    expect(calls.every((c) => c.method === 'GET')).toBe(true);
  });

  it('still merges the selected presets and imports pasted ones, saying what was skipped', async () => {
    const { calls } = mockFetch({
      'GET /api/presets': { items: [shipped, mine] },
      'POST /api/presets/merge': { parameters: { 'tp-size': [1, 2], 'mem-fraction-static': [0.85, 0.9] }, conflicts: [], preset: null },
      'POST /api/presets/import': { imported: [], skipped: [{ name: 'mine', reason: 'name exists' }] },
    });
    render(<Presets />);
    fireEvent.click(await screen.findByLabelText('select memory'));
    fireEvent.click(screen.getByLabelText('select mine'));
    fireEvent.click(screen.getByRole('button', { name: 'Merge 2 selected' }));
    expect((await screen.findByTestId('merge-result')).textContent).toContain('mem-fraction-static');
    fireEvent.change(screen.getByPlaceholderText(/paste a preset/), { target: { value: '{"name": "mine", "parameters": {}}' } });
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Skipped: mine (name exists)');
    expect(calls.filter((c) => c.method === 'POST').map((c) => [c.url, c.body])).toEqual([
      ['/api/presets/merge', { ids: [1, 2], strategy: 'union' }],
      ['/api/presets/import', { name: 'mine', parameters: {} }],
    ]);
  });
});
