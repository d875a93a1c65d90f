import { describe, expect, it } from 'vitest';
import { EMPTY_DRAFT, copyDraft, editDraft, parametersText, presetRequest } from '../presetDraft';

const preset = { id: 5, name: 'mine', parameters: { tp: [1, 2] }, builtin: false };

describe('preset drafts', () => {
  it('edits in place under the same id and name, with PUT; copies as <name>_copy with POST', () => {
    const edit = editDraft(preset);
    expect(edit).toEqual({ editing: 5, name: 'mine', description: '', params: '{\n  "tp": [\n    1,\n    2\n  ]\n}' });
    expect(presetRequest(edit, { tp: [4] })).toEqual({ method: 'PUT', path: '/api/presets/5', body: { name: 'mine', description: '', parameters: { tp: [4] } } });
    const copy = copyDraft({ ...preset, description: 'd', builtin: true });
    expect(copy).toMatchObject({ editing: null, name: 'mine_copy', description: 'd' });
    expect(presetRequest(copy, {})).toEqual({ method: 'POST', path: '/api/presets', body: { name: 'mine_copy', description: 'd', parameters: {} } });
    expect(presetRequest(EMPTY_DRAFT, {}).method).toBe('POST');
  });

  it('writes an empty parameters block as no text', () => {
    expect(parametersText({})).toBe('');
    expect(parametersText(undefined)).toBe('');
  });
});
