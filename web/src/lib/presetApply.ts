// Applying a parameter preset (GET /api/presets) to the task form's parameters: what is merged how, for the
// form to show. Names match as the engine reads them (`mem_fraction_static` is `mem-fraction-static`).
import type { Json, JsonObject } from './types';
import { paramFromSpec, paramToSpec, type ParamRow } from './taskForm';

/** `union`: a list keeps the form's values and adds the preset's, ranges span both; `preset`: the preset's wins. */
export type PresetStrategy = 'union' | 'preset';
export type MergeAction = 'added' | 'extended' | 'replaced' | 'unchanged';

export interface MergeNote {
  name: string;
  action: MergeAction;
  before: string;
  after: string;
}

const flagKey = (name: string) => name.trim().replace(/_/g, '-');
const key = (v: Json) => JSON.stringify(v);

/** "0.8, 0.9" for a list; "integer 1 … 8 (log)" for a range. */
export function describeParam(row: ParamRow): string {
  if (row.kind === 'list') return (paramToSpec(row) as Json[]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
  return `${row.type} ${row.low || '?'} … ${row.high || '?'}${row.log ? ' (log)' : ''}`;
}

function spanRanges(mine: ParamRow, theirs: ParamRow): ParamRow | null {
  const nums = [mine.low, mine.high, theirs.low, theirs.high].map(Number);
  if (mine.type !== theirs.type || nums.some((n) => !Number.isFinite(n))) return null;
  return { ...mine, low: String(Math.min(nums[0], nums[2])), high: String(Math.max(nums[1], nums[3])), log: mine.log && theirs.log };
}

/** The merged row, and whether the preset's row replaced the form's (rather than extending it). */
function mergeRow(mine: ParamRow, theirs: ParamRow, strategy: PresetStrategy): { row: ParamRow; replaced: boolean } {
  const replace = { row: { ...theirs, name: mine.name }, replaced: true };
  if (strategy === 'preset') return replace;
  if (mine.kind === 'list' && theirs.kind === 'list') {
    const values = paramToSpec(mine) as Json[];
    const seen = new Set(values.map(key));
    for (const v of paramToSpec(theirs) as Json[]) if (!seen.has(key(v))) values.push(v);
    return { row: { ...mine, values: values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ') }, replaced: false };
  }
  const spanned = mine.kind === 'range' && theirs.kind === 'range' ? spanRanges(mine, theirs) : null;
  return spanned ? { row: spanned, replaced: false } : replace;
}

/** The form's rows with the preset's parameters merged in, and one note per preset parameter saying what happened. */
export function applyPreset(rows: ParamRow[], parameters: JsonObject, strategy: PresetStrategy): { rows: ParamRow[]; notes: MergeNote[] } {
  const out = [...rows];
  const notes: MergeNote[] = [];
  for (const [name, value] of Object.entries(parameters)) {
    const theirs = paramFromSpec(name, value);
    const i = out.findIndex((r) => r.name.trim() && flagKey(r.name) === flagKey(name));
    if (i < 0) {
      out.push(theirs);
      notes.push({ name, action: 'added', before: '', after: describeParam(theirs) });
      continue;
    }
    const before = describeParam(out[i]);
    const merged = mergeRow(out[i], theirs, strategy);
    const after = describeParam(merged.row);
    const action: MergeAction = after === before ? 'unchanged' : merged.replaced ? 'replaced' : 'extended';
    out[i] = merged.row;
    notes.push({ name: out[i].name.trim(), action, before, after });
  }
  return { rows: out, notes };
}
