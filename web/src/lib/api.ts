import type { FieldError } from './types';

/** An error answered by the server (`{"error": {code, type, message, details}}`) or a network failure. */
export class ApiError extends Error {
  status: number;
  type: string;
  details: Record<string, unknown>;
  constructor(status: number, type: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.status = status;
    this.type = type;
    this.details = details;
  }
  /** Field errors of a 422 (`details.errors = [{path, message}]`). */
  get fieldErrors(): FieldError[] {
    const errors = this.details?.errors;
    return Array.isArray(errors) ? (errors as FieldError[]) : [];
  }
}

type AuthListener = () => void;
const authListeners = new Set<AuthListener>();
/** Called whenever the server answers 401: the app shows the login form. */
export function onAuthRequired(listener: AuthListener): () => void {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}
export function notifyAuthRequired(): void {
  authListeners.forEach((l) => l());
}

export async function parseError(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    /* not JSON */
  }
  const err = (body as { error?: { type?: string; message?: string; details?: Record<string, unknown> } })?.error;
  return new ApiError(res.status, err?.type ?? 'http_error', err?.message ?? `${res.status} ${res.statusText}`, err?.details ?? {});
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { Accept: 'application/json' } : { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'network', `Cannot reach the server: ${(e as Error).message}`);
  }
  if (res.status === 401) {
    notifyAuthRequired();
    throw await parseError(res);
  }
  if (!res.ok) throw await parseError(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    return text as T;
  }
}

export async function requestText(path: string): Promise<string> {
  const res = await fetch(path, { credentials: 'same-origin' });
  if (res.status === 401) notifyAuthRequired();
  if (!res.ok) throw await parseError(res);
  return res.text();
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  del: <T>(path: string) => request<T>('DELETE', path),
  text: requestText,
};

export async function login(token: string): Promise<void> {
  await request<unknown>('POST', '/api/auth/login', { token });
}
