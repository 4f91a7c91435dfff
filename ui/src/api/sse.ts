// Server-sent events over fetch (not EventSource): we choose the
// Last-Event-ID on every (re)connect, send the session cookie, and see
// HTTP errors (401) instead of a silent retry loop.

export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

/** Incremental parser of the text/event-stream format. */
export class SseParser {
  private buf = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;

  /** Feed a chunk; returns the messages it completed. */
  push(chunk: string): SseMessage[] {
    this.buf += chunk;
    const out: SseMessage[] = [];
    let nl: number;
    while ((nl = this.buf.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buf.slice(0, nl);
      const sepLen = this.buf.startsWith('\r\n', nl) ? 2 : 1;
      // A lone \r at the end of a chunk may be half of \r\n: wait for more.
      if (this.buf[nl] === '\r' && nl + 1 === this.buf.length) break;
      this.buf = this.buf.slice(nl + sepLen);
      this.line(line, out);
    }
    return out;
  }

  private line(line: string, out: SseMessage[]): void {
    if (line === '') {
      if (this.data.length) {
        const m: SseMessage = { event: this.event || 'message', data: this.data.join('\n') };
        if (this.id !== undefined) m.id = this.id;
        out.push(m);
      }
      this.data = [];
      this.event = '';
      this.id = undefined;
      return;
    }
    if (line.startsWith(':')) return; // keep-alive comment
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.id = value;
  }
}

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'unauthorized';

export interface StreamOptions {
  url: string;
  /** Asked on every (re)connect: resume after this event. */
  lastEventId: () => string | null;
  onMessage: (m: SseMessage) => void;
  onState: (s: StreamState) => void;
  /** Called after a successful reconnect (not the first connect). */
  onReconnect?: () => void;
  /** Extra request headers (a device's signature), asked on every (re)connect. */
  headers?: () => Record<string, string>;
  /** Checked when the stream ends: true means do not reconnect (e.g. the alert is closed). */
  stopWhen?: () => boolean;
}

/** The server sends a keep-alive comment every 15 s; silence this long means a dead connection. */
export const STREAM_SILENCE_MS = 45_000;

/**
 * Keeps one stream open, reconnecting with capped backoff. A dead TCP
 * connection can look open for minutes, so the stream is also dropped when
 * the browser reports it went offline or when nothing (not even a
 * keep-alive) arrived for STREAM_SILENCE_MS; coming back online retries at
 * once. Returns a stop function.
 */
export function openStream(o: StreamOptions): () => void {
  let stopped = false;
  let ctrl: AbortController | null = null;
  let attempt = 0;
  let everConnected = false;
  let wake: (() => void) | null = null;
  let watchdog: ReturnType<typeof setTimeout> | null = null;
  const feed = () => {
    if (watchdog) clearTimeout(watchdog);
    watchdog = setTimeout(() => ctrl?.abort(), STREAM_SILENCE_MS);
  };
  const onOffline = () => ctrl?.abort();
  const onOnline = () => {
    attempt = 0;
    wake?.();
  };
  globalThis.addEventListener?.('offline', onOffline);
  globalThis.addEventListener?.('online', onOnline);

  const loop = async () => {
    while (!stopped) {
      o.onState(everConnected ? 'reconnecting' : 'connecting');
      ctrl = new AbortController();
      try {
        const headers: Record<string, string> = { Accept: 'text/event-stream', ...o.headers?.() };
        const last = o.lastEventId();
        if (last) headers['Last-Event-ID'] = last;
        const res = await fetch(o.url, { headers, credentials: 'same-origin', signal: ctrl.signal, cache: 'no-store' });
        if (res.status === 401 || res.status === 403) {
          o.onState('unauthorized');
          return;
        }
        if (!res.ok || !res.body) throw new Error(`stream status ${res.status}`);
        const wasConnected = everConnected;
        everConnected = true;
        attempt = 0;
        o.onState('live');
        if (wasConnected) o.onReconnect?.();
        const reader = res.body.getReader();
        const dec = new TextDecoder();
        const parser = new SseParser();
        feed();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          feed();
          for (const m of parser.push(dec.decode(value, { stream: true }))) o.onMessage(m);
        }
      } catch {
        // Dropped or refused: retry below.
      }
      if (watchdog) clearTimeout(watchdog);
      if (stopped || o.stopWhen?.()) return;
      o.onState('reconnecting');
      attempt += 1;
      const wait = Math.min(10_000, 500 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random() / 2);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, wait);
        wake = () => {
          clearTimeout(timer);
          r();
        };
      });
      wake = null;
    }
  };
  void loop();
  return () => {
    stopped = true;
    if (watchdog) clearTimeout(watchdog);
    globalThis.removeEventListener?.('offline', onOffline);
    globalThis.removeEventListener?.('online', onOnline);
    ctrl?.abort();
    wake?.();
  };
}
