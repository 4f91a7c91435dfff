// The /sos page's data layer: the browser enrolls itself with the code from
// the QR flyer (POST /api/v1/enroll), then uses the same signed phone API as
// the app (POST /api/v1/alerts, GET …/status, POST …/cancel). Everything is
// written to localStorage before it is sent, and retried while the page is
// open and when it is opened again.

import type { Alert, AlertId, AlertStatus, AlertView, EnrollResponse, Profile } from '../api/types';
import { PROTOCOL_VERSION } from '../api/types';
import { ApiError, requestJson } from '../api/http';
import { openStream } from '../api/sse';
import { PATH_ALERTS, PATH_ENROLL, PATH_POSITIONS, cancelPath, eventsPath, statusPath, HEADER_DEVICE, HEADER_SIGNATURE } from '../api/paths';
import type { CoreEvent } from '../logic/progress';
import type { CitizenData, DataError, LocalAlertSummary, SosRequest } from './data';
import type { BrowserGeo } from './geo';
import { identityFromSeed, b64url, fromB64url, newIdentity, signRequest, uuidv7, type DeviceIdentity } from './web-device';

export const WEB_APP_VERSION = 'web-0.1.0';
/** After an SOS, send the newest position at most this often while the page is open… */
export const TRACK_EVERY_MS = 10_000;
/** …for this long (as auxilio-core's tracking_max). */
export const TRACK_FOR_MS = 60 * 60 * 1000;
const KEY = 'auxilio.web.v1';

interface StoredItem {
  id: AlertId;
  kind: Alert['kind'];
  created_at_ms: number;
  /** The exact JSON body, so every retry sends (and signs) the same bytes. */
  body: string;
  delivered: boolean;
  wedged?: string;
  cancelBody?: string;
  cancelDelivered?: boolean;
  status?: AlertStatus;
  /** Tracking: last position update sent (seq), the time of its fix, and when it was sent. */
  seq?: number;
  lastFixAt?: number;
  lastSentAt?: number;
  trackingWedged?: boolean;
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
  private backoffMs = 1000;
  /** The last request got no answer: the offline banner. */
  offline = false;
  /** Live status streams of delivered open alerts; polling covers any that are not live. */
  private followers = new Map<AlertId, { stop: () => void; live: boolean }>();

  constructor(
    private geo: BrowserGeo,
    private storage: Storage = localStorage,
    private pollMs = 5000,
  ) {
    const loaded = this.load();
    if (loaded) {
      this.st = loaded;
      this.id = identityFromSeed(loaded.deviceId, fromB64url(loaded.seed));
    } else {
      this.id = newIdentity();
      this.st = { deviceId: this.id.deviceId, seed: b64url(this.id.seed), enrolled: false, items: [] };
      this.save();
    }
    if (typeof window !== 'undefined') window.addEventListener('online', () => this.kick());
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
      if (it.wedged) continue;
      if (!it.delivered) n++;
      if (it.cancelBody && !it.cancelDelivered) n++;
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

  async raiseSos(req: SosRequest): Promise<AlertId> {
    const fix = this.geo.fix();
    if (!fix) throw err('no_position', 'no usable location');
    const profile = this.st.profile;
    if (!profile || !this.st.code) throw err('not_enrolled', 'contact details missing');
    const now = Date.now();
    const alert: Alert = {
      v: PROTOCOL_VERSION,
      id: uuidv7(now),
      device_id: this.id.deviceId,
      kind: req.kind,
      created_at_ms: now,
      fix,
      reporter: { display_name: profile.display_name, phone: profile.phone, role: profile.role },
      silent: req.silent,
      app_version: WEB_APP_VERSION,
    };
    if (profile.plate) alert.reporter.plate = profile.plate;
    if (profile.place) alert.reporter.place = profile.place.name;
    if (this.st.organization) alert.reporter.organization = this.st.organization;
    if (req.note) alert.note = req.note;
    this.st.items.unshift({ id: alert.id, kind: alert.kind, created_at_ms: now, body: JSON.stringify(alert), delivered: false, lastFixAt: fix.fixed_at_ms });
    this.st.items = this.st.items.slice(0, 20);
    this.save();
    this.emit({ type: 'queued', alert_id: alert.id });
    this.emitQueue();
    this.kick();
    return alert.id;
  }

  async cancel(id: AlertId, reason?: string): Promise<void> {
    const it = this.st.items.find((x) => x.id === id);
    if (!it || it.cancelBody) return;
    const body: Record<string, unknown> = { v: PROTOCOL_VERSION, alert_id: id, device_id: this.id.deviceId, cancelled_at_ms: Date.now() };
    if (reason) body.reason = reason;
    it.cancelBody = JSON.stringify(body);
    it.cancelDelivered = false;
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
      .filter((x) => x.status !== 'resolved' && x.status !== 'cancelled' && !x.cancelDelivered)
      .map(({ id, kind, created_at_ms, delivered, cancelBody }) => ({ id, kind, created_at_ms, delivered, cancelled: !!cancelBody }));
  }

  async pending(): Promise<number> {
    return this.pendingCount();
  }

  /** Replays what is known about an alert (after a reload). */
  replay(id: AlertId): void {
    const it = this.st.items.find((x) => x.id === id);
    if (!it) return;
    this.emit({ type: 'queued', alert_id: id });
    if (it.delivered) this.emit({ type: 'sent', alert_id: id });
    if (it.cancelBody) this.emit({ type: 'cancelled', alert_id: id });
    if (it.wedged) this.emit({ type: 'wedged', alert_id: id, item: 'alert', reason: it.wedged });
  }

  /** Work now (new item, back online). */
  kick(): void {
    this.backoffMs = 1000;
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
    let retry = false;
    try {
      retry = await this.workOnce();
      this.setOffline(false);
    } catch (e) {
      retry = true;
      if (e instanceof ApiError && e.status === 0) this.setOffline(true);
    } finally {
      this.running = false;
    }
    if (retry) {
      const wait = this.backoffMs * (0.5 + Math.random() / 2);
      this.backoffMs = Math.min(30_000, this.backoffMs * 2);
      this.schedule(wait);
    } else if (this.st.items.some((x) => x.delivered && !isClosed(x))) {
      this.backoffMs = 1000;
      this.schedule(this.pollMs);
    }
  }

  private setOffline(v: boolean): void {
    if (this.offline === v) return;
    this.offline = v;
    this.emitQueue();
  }

  /** One pass over the outbox; true when something must be retried. Throws ApiError on transient failure. */
  private async workOnce(): Promise<boolean> {
    const todo = this.st.items.filter((x) => !x.wedged);
    if (!todo.length) return false;
    if (!this.st.enrolled) {
      if (this.st.enrollWedged) return false;
      try {
        await this.doEnroll();
      } catch (e) {
        const de = e as DataError;
        if (de.kind === 'network') throw new ApiError(0, 'network', de.message);
        this.st.enrollWedged = de.message;
        for (const it of todo) it.wedged = de.kind === 'bad_code' ? 'bad_code' : de.message;
        this.save();
        for (const it of todo) this.emit({ type: 'wedged', alert_id: it.id, item: 'enroll', reason: it.wedged! });
        this.emitQueue();
        return false;
      }
    }
    // Oldest first: an alert before its cancel.
    for (const it of [...todo].reverse()) {
      // The alert's own answer is its first status: no extra request in the same pass.
      let fresh = false;
      if (!it.delivered) {
        fresh = true;
        const view = await this.sendOrWedge(it, () => this.signed('POST', PATH_ALERTS, it.body));
        if (!view) continue;
        it.delivered = true;
        this.save();
        this.emit({ type: 'sent', alert_id: it.id });
        this.onView(it, view);
        this.emitQueue();
      }
      if (it.cancelBody && !it.cancelDelivered) {
        const view = await this.sendOrWedge(it, () => this.signed('POST', cancelPath(it.id), it.cancelBody!));
        if (!view) continue;
        it.cancelDelivered = true;
        this.save();
        this.onView(it, view);
        this.emitQueue();
      } else if (!isClosed(it) && !fresh) {
        await this.track(it);
        this.follow(it);
        if (!this.followers.get(it.id)?.live) {
          const view = await this.signed('GET', statusPath(it.id), '');
          this.onView(it, view);
        }
      }
    }
    return false;
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

  /** Sends the newest position of an open alert (best effort, idempotent by (alert, seq)). */
  private async track(it: StoredItem): Promise<void> {
    const fix = this.geo.latest();
    if (!fix || it.trackingWedged || it.cancelBody || Date.now() - it.created_at_ms > TRACK_FOR_MS) return;
    // Only a newer fix, and not more often than TRACK_EVERY_MS (watchPosition
    // reports on movement, so a person standing still sends nothing new).
    if (fix.fixed_at_ms <= (it.lastFixAt ?? 0)) return;
    if (Date.now() - (it.lastSentAt ?? it.created_at_ms) < TRACK_EVERY_MS) return;
    const seq = (it.seq ?? 0) + 1;
    const body = JSON.stringify({ v: PROTOCOL_VERSION, device_id: this.id.deviceId, updates: [{ alert_id: it.id, seq, fix }] });
    try {
      await requestJson(PATH_POSITIONS, {
        method: 'POST',
        rawBody: body,
        headers: { [HEADER_DEVICE]: this.id.deviceId, [HEADER_SIGNATURE]: signRequest(this.id, 'POST', PATH_POSITIONS, body) },
      });
    } catch (e) {
      if (e instanceof ApiError && !e.transient) {
        it.trackingWedged = true;
        this.save();
        return;
      }
      throw e;
    }
    it.seq = seq;
    it.lastFixAt = fix.fixed_at_ms;
    it.lastSentAt = Date.now();
    this.save();
  }

  private async sendOrWedge(it: StoredItem, send: () => Promise<AlertView>): Promise<AlertView | null> {
    try {
      return await send();
    } catch (e) {
      if (e instanceof ApiError && !e.transient) {
        it.wedged = e.kind;
        this.save();
        this.emit({ type: 'wedged', alert_id: it.id, item: 'alert', reason: e.message || e.kind });
        this.emitQueue();
        return null;
      }
      throw e;
    }
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

function isClosed(it: StoredItem): boolean {
  return it.status === 'resolved' || it.status === 'cancelled';
}
