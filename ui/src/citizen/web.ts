// The /sos page's data layer: the browser enrolls itself with the code from
// the QR flyer (POST /api/v1/enroll), then uses the same signed phone API as
// the app (POST /api/v1/alerts, GET …/status, POST …/cancel). Everything is
// written to localStorage before it is sent, and retried while the page is
// open and when it is opened again, in core's order and with core's backoff
// (./policy.ts, tested against the shared tables in fixtures/). Nothing
// undelivered is ever dropped from the queue. An SOS never waits for a
// position: it leaves with the best one known (or none, protocol v2), and the
// refined position follows as a position update with `refines`.

import type { Alert, AlertId, AlertStatus, AlertView, EnrollResponse, Fix, PositionBatch, Profile } from '../api/types';
import { PROTOCOL_VERSION } from '../api/types';
import { ApiError, requestJson } from '../api/http';
import { openStream } from '../api/sse';
import { PATH_ALERTS, PATH_ENROLL, PATH_POSITIONS, cancelPath, eventsPath, statusPath, HEADER_DEVICE, HEADER_SIGNATURE } from '../api/paths';
import type { CoreEvent } from '../logic/progress';
import type { CitizenData, DataError, LocalAlertSummary, SosRequest } from './data';
import type { BrowserGeo } from './geo';
import { REFINE_WINDOW_MS, isGood, refinement } from '../logic/fix';
import { identityFromSeed, b64url, fromB64url, newIdentity, signRequest, uuidv7, type DeviceIdentity } from './web-device';
import { applyOutcome, backoffDelayMs, dependentState, judge, nextSend, parseHttpDate, parseRetryAfter, type AlertRows, type Outcome, type RowState, type Send } from './policy';

export const WEB_APP_VERSION = 'web-0.1.0';
/** After an SOS, send the newest position at most this often while the page is open… */
export const TRACK_EVERY_MS = 10_000;
/** …for this long (as auxilio-core's tracking_max). */
export const TRACK_FOR_MS = 60 * 60 * 1000;
const KEY = 'auxilio.web.v1';
/** Alerts that are closed and fully delivered kept for the history; nothing undelivered is ever dropped. */
export const KEEP_DONE = 20;
/** One request's time limit. */
const REQUEST_TIMEOUT_MS = 15_000;

interface StoredItem extends AlertRows {
  id: AlertId;
  kind: Alert['kind'];
  created_at_ms: number;
  /** The exact JSON body, so every retry sends (and signs) the same bytes. */
  body: string;
  /** Why the alert was refused (alert = 'wedged'). */
  wedged?: string;
  cancelBody?: string;
  /** The queued position batch (positions = 'queued'). */
  positionBody?: string;
  status?: AlertStatus;
  /** Tracking: last position update queued (seq), the time of its fix, and when it was queued. */
  seq?: number;
  lastFixAt?: number;
  lastSentAt?: number;
  trackingWedged?: boolean;
  /** While the refinement window is open: when it ends (created_at_ms + REFINE_WINDOW_MS). */
  refineUntil?: number;
}

/** An item stored by an earlier page version (booleans instead of row states). */
interface OldItem {
  delivered?: boolean;
  cancelDelivered?: boolean;
}

function upgrade(it: StoredItem & OldItem): StoredItem {
  if (it.alert) return it;
  const { delivered, cancelDelivered, ...rest } = it;
  const alert: RowState = rest.wedged ? 'wedged' : delivered ? 'delivered' : 'queued';
  const cancel: RowState | null = !rest.cancelBody ? null : cancelDelivered ? 'delivered' : alert === 'wedged' ? 'wedged' : 'queued';
  return { ...rest, alert, cancel, positions: null };
}

/** Newest first: every item with something undelivered, and the newest KEEP_DONE of the rest. */
export function keepItems<T extends AlertRows & { status?: AlertStatus }>(items: T[]): T[] {
  let done = 0;
  return items.filter((it) => {
    const finished = it.alert === 'delivered' && it.cancel !== 'queued' && it.positions !== 'queued' && (it.cancel === 'delivered' || it.status === 'resolved' || it.status === 'cancelled');
    return !finished || ++done <= KEEP_DONE;
  });
}

/** A transient failure: retried after the backoff (at least `retryAfterMs`). */
class Transient extends Error {
  constructor(
    readonly offline: boolean,
    readonly retryAfterMs: number | null,
  ) {
    super('transient');
  }
}

interface Stored {
  deviceId: string;
  seed: string;
  code?: string;
  profile?: Profile;
  enrolled: boolean;
  enrollWedged?: string;
  /** From the server's answer to enrollment. */
  organization?: string;
  items: StoredItem[];
}

const STATUS_EVENT: Record<AlertStatus, CoreEvent['type']> = {
  new: 'received',
  acknowledged: 'acknowledged',
  dispatched: 'dispatched',
  en_route: 'en_route',
  on_scene: 'on_scene',
  resolved: 'resolved',
  cancelled: 'cancelled',
};

function err(kind: DataError['kind'], message: string): DataError {
  return { kind, message };
}

export class WebCitizenData implements CitizenData {
  readonly platform = 'web' as const;
  private st: Stored;
  private id: DeviceIdentity;
  private listeners = new Set<(e: CoreEvent) => void>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  /** Transient failures in a row (the backoff's exponent). */
  private failures = 0;
  /** The last request got no answer: the offline banner. */
  offline = false;
  /** Live status streams of delivered open alerts; polling covers any that are not live. */
  private followers = new Map<AlertId, { stop: () => void; live: boolean }>();
  /** Ends the refinement window of the alerts waiting for a position. */
  private refineTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private geo: BrowserGeo,
    private storage: Storage = localStorage,
    private pollMs = 5000,
  ) {
    const loaded = this.load();
    if (loaded) {
      loaded.items = loaded.items.map(upgrade);
      this.st = loaded;
      this.id = identityFromSeed(loaded.deviceId, fromB64url(loaded.seed));
    } else {
      this.id = newIdentity();
      this.st = { deviceId: this.id.deviceId, seed: b64url(this.id.seed), enrolled: false, items: [] };
      this.save();
    }
    if (typeof window !== 'undefined') window.addEventListener('online', () => this.kick());
    // A new browser fix may be the refined position an alert is waiting for.
    geo.subscribe(() => this.refine());
    this.refine();
    this.kick();
  }

  private load(): Stored | null {
    try {
      const raw = this.storage.getItem(KEY);
      return raw ? (JSON.parse(raw) as Stored) : null;
    } catch {
      return null;
    }
  }

  private save(): void {
    try {
      this.storage.setItem(KEY, JSON.stringify(this.st));
    } catch {
      throw err('storage', 'the browser refused to store the alert');
    }
  }

  private emit(e: CoreEvent): void {
    this.listeners.forEach((f) => f(e));
  }

  private emitQueue(): void {
    this.emit({ type: 'queue_changed', pending: this.pendingCount() });
  }

  private pendingCount(): number {
    let n = 0;
    for (const it of this.st.items) {
      // A refused alert is shown as refused, not as waiting (nor its cancel).
      if (it.alert === 'queued') n++;
      if (it.cancel === 'queued') n++;
    }
    return n;
  }

  isOffline(): boolean {
    return this.offline;
  }

  async isEnrolled(): Promise<boolean> {
    return this.st.enrolled;
  }

  code(): string | null {
    return this.st.code ?? null;
  }

  async profile(): Promise<Profile | null> {
    return this.st.profile ?? null;
  }

  /** The /sos page keeps the code and contact and enrolls on first send. */
  setContact(code: string, profile: Profile): void {
    if (this.st.enrolled && this.st.code === code && this.st.profile?.phone === profile.phone) return;
    this.st.code = code;
    this.st.profile = profile;
    this.st.enrolled = false;
    delete this.st.enrollWedged;
    this.save();
  }

  async enroll(code: string, profile: Profile): Promise<EnrollResponse> {
    this.setContact(code, profile);
    return this.doEnroll();
  }

  private async doEnroll(): Promise<EnrollResponse> {
    const { code, profile } = this.st;
    if (!code || !profile) throw err('not_enrolled', 'no code or profile');
    try {
      const res = await requestJson<EnrollResponse>(PATH_ENROLL, {
        method: 'POST',
        body: { v: PROTOCOL_VERSION, code, device_id: this.id.deviceId, public_key: this.id.publicKeyB64, profile },
      });
      this.st.enrolled = true;
      if (res.organization) this.st.organization = res.organization;
      this.save();
      return res;
    } catch (e) {
      if (e instanceof ApiError && e.status === 403) throw err('bad_code', e.message);
      if (e instanceof ApiError && !e.transient) throw err('invalid', e.message);
      throw err('network', 'no answer from the server');
    }
  }

  /**
   * Stores the SOS at once with the best position known, or with none (then
   * the server gets the reporter's phone and the central calls back). Never
   * waits for a fix: the refinement window follows (see `refine`).
   */
  async raiseSos(req: SosRequest): Promise<AlertId> {
    const fix = this.geo.fix();
    const profile = this.st.profile;
    if (!profile || !this.st.code) throw err('not_enrolled', 'contact details missing');
    const now = Date.now();
    const alert: Alert = {
      v: PROTOCOL_VERSION,
      id: uuidv7(now),
      device_id: this.id.deviceId,
      kind: req.kind,
      created_at_ms: now,
      reporter: { display_name: profile.display_name, phone: profile.phone, role: profile.role },
      silent: req.silent,
      app_version: WEB_APP_VERSION,
    };
    if (fix) alert.fix = fix;
    if (profile.plate) alert.reporter.plate = profile.plate;
    if (profile.place) alert.reporter.place = profile.place.name;
    if (this.st.organization) alert.reporter.organization = this.st.organization;
    if (req.note) alert.note = req.note;
    const item: StoredItem = { id: alert.id, kind: alert.kind, created_at_ms: now, body: JSON.stringify(alert), alert: 'queued', cancel: null, positions: null };
    if (fix) item.lastFixAt = fix.fixed_at_ms;
    // A good fix at the tap needs no refining.
    if (!fix || !isGood(fix)) item.refineUntil = now + REFINE_WINDOW_MS;
    this.st.items.unshift(item);
    this.st.items = keepItems(this.st.items);
    this.save();
    this.emit({ type: 'queued', alert_id: alert.id });
    this.emitQueue();
    this.refine();
    this.kick();
    return alert.id;
  }

  /** The alert left with no position and none has followed yet (the page says the central will call). */
  sentWithoutPosition(id: AlertId): boolean {
    const it = this.st.items.find((x) => x.id === id);
    return !!it && it.seq === undefined && !(JSON.parse(it.body) as Alert).fix;
  }

  /**
   * The refinement window (as core's refine.rs): for REFINE_WINDOW_MS after
   * the tap, the first good fresh fix, or at the end the best fresh one that
   * improves on what the alert carries, is queued as a position update with
   * `refines` (before or after the alert is delivered: core's order sends it
   * after). Then normal tracking.
   */
  private refine(): void {
    const now = Date.now();
    let changed = false;
    let nextEnd = Infinity;
    for (const it of this.st.items) {
      if (it.refineUntil === undefined) continue;
      if (it.cancelBody || it.alert === 'wedged') {
        delete it.refineUntil;
        changed = true;
        continue;
      }
      // Tracking may have queued a batch already (after a reload): wait for it.
      if (it.positions === 'queued') {
        nextEnd = Math.min(nextEnd, it.refineUntil);
        continue;
      }
      const raised = (JSON.parse(it.body) as Alert).fix;
      const choice = refinement(this.geo.fix(), raised, now, now >= it.refineUntil);
      if (choice === 'wait') {
        nextEnd = Math.min(nextEnd, it.refineUntil);
        continue;
      }
      delete it.refineUntil;
      changed = true;
      if (choice !== 'nothing') this.queueUpdate(it, choice.use, true);
    }
    if (changed) {
      this.save();
      this.emitQueue();
      this.kick();
    }
    if (this.refineTimer) clearTimeout(this.refineTimer);
    this.refineTimer = nextEnd === Infinity ? null : setTimeout(() => this.refine(), Math.max(0, nextEnd - now));
  }

  async cancel(id: AlertId, reason?: string): Promise<void> {
    const it = this.st.items.find((x) => x.id === id);
    if (!it || it.cancelBody) return;
    const body: Record<string, unknown> = { v: PROTOCOL_VERSION, alert_id: id, device_id: this.id.deviceId, cancelled_at_ms: Date.now() };
    if (reason) body.reason = reason;
    it.cancelBody = JSON.stringify(body);
    it.cancel = dependentState(it);
    this.save();
    this.emit({ type: 'cancelled', alert_id: id });
    this.emitQueue();
    this.kick();
  }

  subscribe(listener: (e: CoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async openAlerts(): Promise<LocalAlertSummary[]> {
    return this.st.items
      .filter((x) => x.status !== 'resolved' && x.status !== 'cancelled' && x.cancel !== 'delivered')
      .map(({ id, kind, created_at_ms, alert, cancelBody }) => ({ id, kind, created_at_ms, delivered: alert === 'delivered', cancelled: !!cancelBody }));
  }

  async pending(): Promise<number> {
    return this.pendingCount();
  }

  /** Replays what is known about an alert (after a reload). */
  replay(id: AlertId): void {
    const it = this.st.items.find((x) => x.id === id);
    if (!it) return;
    this.emit({ type: 'queued', alert_id: id });
    if (it.alert === 'delivered') this.emit({ type: 'sent', alert_id: id });
    if (it.cancelBody) this.emit({ type: 'cancelled', alert_id: id });
    if (it.wedged) this.emit({ type: 'wedged', alert_id: id, item: 'alert', reason: it.wedged });
  }

  /** Work now (new item, back online). */
  kick(): void {
    this.failures = 0;
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.work(), ms);
  }

  private signed(method: 'GET' | 'POST', path: string, body: string) {
    return requestJson<AlertView>(path, {
      method,
      headers: {
        [HEADER_DEVICE]: this.id.deviceId,
        [HEADER_SIGNATURE]: signRequest(this.id, method, path, body),
        ...(method === 'POST' ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(method === 'POST' ? { rawBody: body } : {}),
    });
  }

  private async work(): Promise<void> {
    if (this.running) return;
    this.running = true;
    let retryAfterMs: number | null | undefined;
    try {
      await this.workOnce();
      this.setOffline(false);
    } catch (e) {
      retryAfterMs = e instanceof Transient ? e.retryAfterMs : null;
      if ((e instanceof Transient && e.offline) || (e instanceof ApiError && e.status === 0)) this.setOffline(true);
    } finally {
      this.running = false;
    }
    if (retryAfterMs !== undefined) {
      this.failures += 1;
      this.schedule(backoffDelayMs(this.failures, retryAfterMs));
    } else if (this.st.items.some((x) => x.alert === 'delivered' && !isClosed(x))) {
      this.failures = 0;
      this.schedule(this.pollMs);
    }
  }

  /**
   * Sends one queued message and sorts the answer by the shared rule
   * (policy.judge). A redirect is never followed (captive portals redirect).
   * Throws Transient for anything to retry.
   */
  private async deliver(path: string, body: string, expect: 'view' | 'receipt', id: AlertId): Promise<{ outcome: Exclude<Outcome, 'transient'>; text: string }> {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), REQUEST_TIMEOUT_MS);
    let res: Response;
    let text: string;
    try {
      res = await fetch(path, {
        method: 'POST',
        headers: { Accept: 'application/json', 'Content-Type': 'application/json', [HEADER_DEVICE]: this.id.deviceId, [HEADER_SIGNATURE]: signRequest(this.id, 'POST', path, body) },
        body,
        credentials: 'same-origin',
        redirect: 'manual',
        signal: ctrl.signal,
      });
      text = await res.text();
    } catch {
      throw new Transient(true, null);
    } finally {
      clearTimeout(timer);
    }
    // An opaque redirect (redirect: 'manual') has status 0: transient.
    const outcome = judge(res.status, text, expect === 'view' ? { view: id } : 'receipt');
    if (outcome === 'transient') {
      const now = parseHttpDate(res.headers.get('Date') ?? '') ?? Date.now();
      throw new Transient(false, parseRetryAfter(res.headers.get('Retry-After'), now));
    }
    return { outcome, text };
  }

  private setOffline(v: boolean): void {
    if (this.offline === v) return;
    this.offline = v;
    this.emitQueue();
  }

  /** One pass over the outbox, in core's order; throws on a transient failure. */
  private async workOnce(): Promise<void> {
    const todo = this.st.items.filter((x) => x.alert !== 'wedged');
    if (!todo.length) return;
    if (!this.st.enrolled) {
      if (this.st.enrollWedged) return;
      try {
        await this.doEnroll();
      } catch (e) {
        const de = e as DataError;
        if (de.kind === 'network') throw new Transient(true, null);
        this.st.enrollWedged = de.message;
        // Only what is still waiting is refused; a delivered alert stays delivered.
        const refused = todo.filter((it) => it.alert === 'queued');
        for (const it of refused) {
          it.wedged = de.kind === 'bad_code' ? 'bad_code' : de.message;
          applyOutcome(it, 'alert', 'permanent');
        }
        this.save();
        for (const it of refused) this.emit({ type: 'wedged', alert_id: it.id, item: 'enroll', reason: it.wedged! });
        this.emitQueue();
        return;
      }
    }
    // Oldest first, as core's queue.
    const oldest = [...this.st.items].reverse();
    for (const it of oldest) if (it.alert === 'delivered' && !isClosed(it)) this.queuePosition(it);
    // The alert's own answer is its first status: no extra request in the same pass.
    const fresh = new Set<AlertId>();
    for (let next = nextSend(oldest); next; next = nextSend(oldest)) {
      await this.sendOne(next.rows, next.send);
      if (next.send === 'alert') fresh.add(next.rows.id);
    }
    for (const it of oldest) {
      if (it.alert !== 'delivered' || it.cancel === 'queued' || isClosed(it) || fresh.has(it.id)) continue;
      this.follow(it);
      if (!this.followers.get(it.id)?.live) {
        const view = await this.signed('GET', statusPath(it.id), '');
        this.onView(it, view);
      }
    }
  }

  private async sendOne(it: StoredItem, send: Send): Promise<void> {
    const [path, body] = send === 'alert' ? [PATH_ALERTS, it.body] : send === 'cancel' ? [cancelPath(it.id), it.cancelBody!] : [PATH_POSITIONS, it.positionBody!];
    const { outcome, text } = await this.deliver(path, body, send === 'positions' ? 'receipt' : 'view', it.id);
    const refusedWith = outcome === 'permanent' ? refusal(text) : '';
    const before = { cancel: it.cancel, positions: it.positions };
    applyOutcome(it, send, outcome);
    if (send === 'positions') {
      delete it.positionBody;
      if (outcome === 'permanent') it.trackingWedged = true;
    }
    if (send === 'alert' && outcome === 'permanent') it.wedged = refusedWith;
    this.save();
    if (outcome === 'delivered' && send !== 'positions') {
      if (send === 'alert') this.emit({ type: 'sent', alert_id: it.id });
      this.onView(it, JSON.parse(text) as AlertView);
    } else if (outcome === 'permanent' && send !== 'positions') {
      this.emit({ type: 'wedged', alert_id: it.id, item: send, reason: refusedWith });
      if (send === 'alert' && before.cancel === 'queued') this.emit({ type: 'wedged', alert_id: it.id, item: 'cancel', reason: ALERT_REFUSED });
    }
    this.emitQueue();
  }

  /**
   * Follows a delivered alert over the signed SSE status stream, so the
   * person sees each step at once; the 5 s poll takes over whenever it is not
   * live. A 401/403 stops it for good (the poll then reports the problem).
   */
  private follow(it: StoredItem): void {
    if (this.followers.has(it.id) || typeof ReadableStream === 'undefined') return;
    const id = it.id;
    const path = eventsPath(id);
    const signature = signRequest(this.id, 'GET', path, '');
    const f = { stop: () => undefined as void, live: false };
    this.followers.set(id, f);
    const current = () => this.st.items.find((x) => x.id === id);
    f.stop = openStream({
      url: path,
      lastEventId: () => null,
      headers: () => ({ [HEADER_DEVICE]: this.id.deviceId, [HEADER_SIGNATURE]: signature }),
      stopWhen: () => {
        const cur = current();
        return !cur || isClosed(cur);
      },
      onState: (s) => {
        f.live = s === 'live';
        if (s === 'unauthorized') f.stop();
      },
      onMessage: (m) => {
        const cur = current();
        if (m.event !== 'status' || !cur) return;
        try {
          this.onView(cur, JSON.parse(m.data) as AlertView);
        } catch {
          // A malformed message: the poll will bring the status.
        }
      },
    });
  }

  /** Queues the newest position of an open alert (idempotent by (alert, seq)); sent in core's order. */
  private queuePosition(it: StoredItem): void {
    const fix = this.geo.latest();
    // Tracking starts after the refinement window.
    if (!fix || it.refineUntil !== undefined || it.trackingWedged || it.cancelBody || it.positions === 'queued' || Date.now() - it.created_at_ms > TRACK_FOR_MS) return;
    // Only a newer fix, and not more often than TRACK_EVERY_MS (watchPosition
    // reports on movement, so a person standing still sends nothing new).
    if (fix.fixed_at_ms <= (it.lastFixAt ?? 0)) return;
    if (Date.now() - (it.lastSentAt ?? it.created_at_ms) < TRACK_EVERY_MS) return;
    this.queueUpdate(it, fix, false);
  }

  /** Queues one position update (the exact bytes kept, so a retry is the same message). */
  private queueUpdate(it: StoredItem, fix: Fix, refines: boolean): void {
    const seq = (it.seq ?? 0) + 1;
    const batch: PositionBatch = { v: PROTOCOL_VERSION, device_id: this.id.deviceId, updates: [{ alert_id: it.id, seq, fix, ...(refines ? { refines: true } : {}) }] };
    it.positionBody = JSON.stringify(batch);
    it.positions = dependentState(it);
    it.seq = seq;
    it.lastFixAt = fix.fixed_at_ms;
    it.lastSentAt = Date.now();
    this.save();
  }

  private onView(it: StoredItem, view: AlertView): void {
    if (it.status !== view.status) {
      it.status = view.status;
      this.save();
    }
    const type = STATUS_EVENT[view.status];
    if (type === 'cancelled') this.emit({ type: 'cancelled', alert_id: it.id });
    else this.emit({ type, alert_id: it.id, view } as CoreEvent);
  }
}

/** Why dependents of a refused alert are refused too (as core's queue). */
const ALERT_REFUSED = 'its alert was refused by the server';

/** The server's `{kind, message}` of a refusal, as the reason shown. */
function refusal(text: string): string {
  try {
    const e = JSON.parse(text) as { kind?: string; message?: string };
    return e.message || e.kind || 'refused';
  } catch {
    return 'refused';
  }
}

function isClosed(it: StoredItem): boolean {
  return it.status === 'resolved' || it.status === 'cancelled';
}
