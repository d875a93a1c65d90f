import type { JsonObject } from './types';

/** Parse a task file (JSON or YAML). The YAML parser is loaded on demand (own chunk). */
export async function parseTaskText(text: string): Promise<JsonObject> {
  const t = text.trim();
  if (!t) throw new Error('empty file');
  let value: unknown;
  if (t.startsWith('{')) {
    value = JSON.parse(t);
  } else {
    const YAML = await import('yaml');
    value = YAML.parse(t);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('a task file is a mapping (object) at the top level');
  return value as JsonObject;
}
