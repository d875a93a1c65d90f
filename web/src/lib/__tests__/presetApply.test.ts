import { describe, expect, it } from 'vitest';
import { applyPreset, describeParam } from '../presetApply';
import type { ParamRow } from '../taskForm';

const list = (name: string, values: string): ParamRow => ({ name, kind: 'list', values, type: 'integer', low: '', high: '', log: false });
const range = (name: string, low: string, high: string): ParamRow => ({ name, kind: 'range', values: '', type: 'integer', low, high, log: false });

describe('applyPreset', () => {
  const form = [list('mem-fraction-static', '0.8, 0.9'), list('schedule-policy', 'lpm'), range('max-running-requests', '8', '64')];

  it('union: adds new flags, extends lists with new values, spans ranges, says what it did', () => {
    const { rows, notes } = applyPreset(form, {
      mem_fraction_static: [0.9, 0.85], 'schedule-policy': ['lpm'], 'max-running-requests': { type: 'integer', low: 4, high: 32 }, 'chunked-prefill-size': [2048, 4096],
    }, 'union');
    expect(rows.map(describeParam)).toEqual(['0.8, 0.9, 0.85', 'lpm', 'integer 4 … 64', '2048, 4096']);
    expect(rows[0].name).toBe('mem-fraction-static');
    expect(notes).toEqual([
      { name: 'mem-fraction-static', action: 'extended', before: '0.8, 0.9', after: '0.8, 0.9, 0.85' },
      { name: 'schedule-policy', action: 'unchanged', before: 'lpm', after: 'lpm' },
      { name: 'max-running-requests', action: 'extended', before: 'integer 8 … 64', after: 'integer 4 … 64' },
      { name: 'chunked-prefill-size', action: 'added', before: '', after: '2048, 4096' },
    ]);
  });

  it("preset: the preset's values replace the form's", () => {
    const { rows, notes } = applyPreset(form, { 'mem-fraction-static': [0.7], 'max-running-requests': [16, 32] }, 'preset');
    expect(rows.map(describeParam)).toEqual(['0.7', 'lpm', '16, 32']);
    expect(notes.map((n) => n.action)).toEqual(['replaced', 'replaced']);
  });

  it('replaces a list by a range (and back) even under union, and leaves the input rows alone', () => {
    const { rows, notes } = applyPreset(form, { 'schedule-policy': { type: 'integer', low: 1, high: 2 } }, 'union');
    expect(rows[1].kind).toBe('range');
    expect(notes[0].action).toBe('replaced');
    expect(form[1].kind).toBe('list');
  });
});
