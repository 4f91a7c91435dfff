// The one place that talks HTTP. Every server error is `{ kind, message }`.

import type { ApiErrorBody } from './types';

export class ApiError extends Error {
  constructor(
    /** HTTP status, 0 when the request never got an answer (offline, timeout). */
    readonly status: number,
    readonly kind: string,
    message: string,
    /** Seconds, from Retry-After on 429/503. */
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Worth retrying: no answer, 408, 429 or 5xx. */
  get transient(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  /** Exact body text (signed requests send the bytes they signed). */
  rawBody?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export async function requestJson<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), opts.timeoutMs ?? 15_000);
  opts.signal?.addEventListener('abort', () => ctrl.abort());
  let res: Response;
  try {
    const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
    const body = opts.rawBody ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined);
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const init: RequestInit = { method: opts.method ?? 'GET', headers, credentials: 'same-origin', signal: ctrl.signal };
    if (body !== undefined) init.body = body;
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', 'no answer from the server');
  } finally {
    clearTimeout(timer);
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) {
    let body: Partial<ApiErrorBody> = {};
    try {
      body = JSON.parse(text) as ApiErrorBody;
    } catch {
      // Not our error format (a proxy page): keep the status.
    }
    const ra = Number(res.headers.get('Retry-After'));
    throw new ApiError(res.status, body.kind ?? 'http', body.message ?? res.statusText, Number.isFinite(ra) && ra > 0 ? ra : undefined);
  }
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(res.status, 'malformed', 'the server answered something that is not JSON');
  }
}
