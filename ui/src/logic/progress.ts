// What the person who asked for help knows about their alert, merged from
// local events (saved, sent, SMS) and the server's AlertView, and the
// timeline shown from it.

import type { AlertId, AlertStatus, AlertView, Outcome } from '../api/types';

export interface Progress {
  alertId: AlertId;
  /** Committed to storage on this phone / browser. */
  saved: boolean;
  /** The server took it (a request got an answer). */
  sent: boolean;
  view?: AlertView;
  /** Cancelled by the person (may not have reached the server yet). */
  cancelled: boolean;
  /** Refused for good by the server, with the reason shown. */
  wedged?: string;
  /** The SMS fallback: due (the shell must send it) or sent. */
  sms?: 'due' | 'sent';
  /** Where the SMS fallback goes. */
  smsTo?: string;
  /** The SMS fallback's signed text (prefilled in the `sms:` link). */
  smsText?: string;
  /** The app is sending the SMS itself (Android) and has not failed. */
  smsSending?: boolean;
}

export function newProgress(alertId: AlertId): Progress {
  return { alertId, saved: false, sent: false, cancelled: false };
}

const RANK: Record<AlertStatus, number> = {
  new: 0,
  acknowledged: 1,
  dispatched: 2,
  en_route: 3,
  on_scene: 4,
  resolved: 5,
  cancelled: 5,
};

/** Newer view wins; a late, older answer never moves the timeline back. */
export function mergeView(old: AlertView | undefined, next: AlertView): AlertView {
  if (!old) return next;
  if (next.updated_at_ms > old.updated_at_ms) return next;
  if (next.updated_at_ms === old.updated_at_ms && RANK[next.status] > RANK[old.status]) return next;
  return old;
}

export function withView(p: Progress, view: AlertView): Progress {
  return { ...p, saved: true, sent: true, view: mergeView(p.view, view) };
}

/** Events of the Rust core (CoreEvent, serde tag "type", snake_case). */
export type CoreEvent =
  | { type: 'queued'; alert_id: AlertId }
  | { type: 'sent'; alert_id: AlertId }
  | { type: 'received' | 'acknowledged' | 'dispatched' | 'en_route' | 'on_scene' | 'resolved'; alert_id: AlertId; view: AlertView }
  | { type: 'cancelled'; alert_id: AlertId }
  | { type: 'sms_fallback'; alert_id: AlertId; to: string; text: string }
  | { type: 'sms_fallback_sent'; alert_id: AlertId }
  | { type: 'tracking_stopped' | 'sms_fallback_not_needed' | 'position_refined'; alert_id: AlertId }
  | { type: 'wedged'; alert_id: AlertId; item: string; reason: string }
  | { type: 'queue_changed'; pending: number }
  // The shell's own notices about the SMS fallback (auxilio://sms-send),
  // delivered with the core events by the Tauri data layer.
  | { type: 'sms_sending'; alert_id: AlertId }
  | { type: 'sms_failed'; alert_id: AlertId; reason: string };

export function applyCoreEvent(p: Progress, e: CoreEvent): Progress {
  if (!('alert_id' in e) || e.alert_id !== p.alertId) return p;
  switch (e.type) {
    case 'queued':
      return { ...p, saved: true };
    case 'sent':
      return { ...p, saved: true, sent: true };
    case 'received':
    case 'acknowledged':
    case 'dispatched':
    case 'en_route':
    case 'on_scene':
    case 'resolved':
      return withView(p, e.view);
    case 'cancelled':
      return { ...p, cancelled: true };
    case 'sms_fallback':
      return p.sms === 'sent' ? p : { ...p, sms: 'due', smsTo: e.to, smsText: e.text };
    case 'sms_fallback_sent':
      return { ...p, sms: 'sent', smsSending: false };
    case 'sms_sending':
      return p.sms === 'sent' ? p : { ...p, smsSending: true };
    case 'sms_failed':
      return { ...p, smsSending: false };
    case 'wedged':
      return { ...p, wedged: e.reason };
    case 'tracking_stopped':
    case 'sms_fallback_not_needed':
    case 'position_refined':
      return p;
  }
}

export type StepKey = 'saved' | 'sent' | 'received' | 'attending' | 'en_route' | 'on_scene' | 'resolved' | 'cancelled';
export type StepState = 'done' | 'current' | 'todo';
export interface Step {
  key: StepKey;
  state: StepState;
  /** Unit name and distance for en_route, outcome for resolved. */
  unitName?: string;
  distanceM?: number;
  outcome?: Outcome;
}

const ORDER: StepKey[] = ['saved', 'sent', 'received', 'attending', 'en_route', 'on_scene', 'resolved'];

/** How far the alert got: index into ORDER of the last reached step, -1 for none. */
function reached(p: Progress): number {
  const s = p.view?.status;
  if (s === 'resolved') return 6;
  if (s === 'on_scene') return 5;
  // A unit assigned is a unit on its way: both show "unidad en camino".
  if (s === 'dispatched' || s === 'en_route') return 4;
  if (s === 'acknowledged') return 3;
  if (s === 'new' || s === 'cancelled') return 2;
  if (p.sent) return 1;
  if (p.saved) return 0;
  return -1;
}

/**
 * The timeline: every step reached is done, the next one is current (what
 * we are waiting for), the rest to do. A cancelled alert ends with a
 * "cancelled" step instead of the remaining ones.
 */
export function timeline(p: Progress): Step[] {
  const last = reached(p);
  const cancelled = p.cancelled || p.view?.status === 'cancelled';
  const steps: Step[] = [];
  ORDER.forEach((key, i) => {
    if (cancelled && i > last) return;
    const state: StepState = i <= last ? 'done' : i === last + 1 ? 'current' : 'todo';
    const step: Step = { key, state };
    if (key === 'en_route' && p.view) {
      if (p.view.unit_name) step.unitName = p.view.unit_name;
      if (p.view.unit_distance_m != null) step.distanceM = p.view.unit_distance_m;
    }
    if (key === 'resolved' && p.view?.outcome) step.outcome = p.view.outcome;
    steps.push(step);
  });
  if (cancelled) steps.push({ key: 'cancelled', state: 'done' });
  return steps;
}

/** The alert needs nothing more from this phone. */
export function isFinished(p: Progress): boolean {
  return p.view?.status === 'resolved' || p.view?.status === 'cancelled' || (p.cancelled && !p.sent);
}
