import type { JsonObject, ParamPreset } from './types';

/** What the Presets page's form holds: a new preset, or (`editing` set) changes to a user preset. */
export interface PresetDraft {
  /** The id of the user preset being edited; null: the form creates a new one. */
  editing: number | null;
  name: string;
  description: string;
  /** Parameters as text (YAML or JSON). */
  params: string;
}

export const EMPTY_DRAFT: PresetDraft = { editing: null, name: '', description: '', params: '' };

/** The parameters as editable text: JSON (which is YAML too), nothing for an empty block. */
export function parametersText(parameters: JsonObject | undefined): string {
  return parameters && Object.keys(parameters).length ? JSON.stringify(parameters, null, 2) : '';
}

/** Edit a user preset in place: its name stays (the server refuses a change). */
export function editDraft(preset: ParamPreset): PresetDraft {
  return { editing: preset.id, name: preset.name, description: preset.description ?? '', params: parametersText(preset.parameters) };
}

/** A new preset made from another one (a shipped preset is read-only): `<name>_copy`. */
export function copyDraft(preset: ParamPreset): PresetDraft {
  return { editing: null, name: `${preset.name}_copy`, description: preset.description ?? '', params: parametersText(preset.parameters) };
}

/** The request that saves the draft: POST /api/presets, or PUT /api/presets/{id} when editing (same body). */
export function presetRequest(draft: PresetDraft, parameters: JsonObject): { method: 'POST' | 'PUT'; path: string; body: JsonObject } {
  const body: JsonObject = { name: draft.name, description: draft.description, parameters };
  return draft.editing == null ? { method: 'POST', path: '/api/presets', body } : { method: 'PUT', path: `/api/presets/${draft.editing}`, body };
}
