// The citizen app's data layer, behind one interface with two
// implementations: Tauri IPC to the Rust core (the installed app) and plain
// HTTP from the browser (the /sos page from a QR flyer). The screens only
// see this interface and the core's event shapes.

import type { AlertId, AlertKind, AlertView, EnrollResponse, Profile } from '../api/types';
import type { CoreEvent } from '../logic/progress';

export interface SosRequest {
  kind: AlertKind;
  silent: boolean;
  note?: string;
}

/** Why something failed, as a tagged error the screens can switch on. */
export interface DataError {
  kind: 'not_enrolled' | 'bad_code' | 'invalid' | 'network' | 'storage' | 'internal';
  message: string;
}

export function isDataError(e: unknown): e is DataError {
  return typeof e === 'object' && e !== null && 'kind' in e && 'message' in e;
}

export interface LocalAlertSummary {
  id: AlertId;
  kind: AlertKind;
  created_at_ms: number;
  /** The server has it (restores "enviado" after a restart). */
  delivered?: boolean;
  /** The last server view known on the device (restores the timeline). */
  view?: AlertView;
  cancelled?: boolean;
}

export interface CitizenData {
  readonly platform: 'tauri' | 'web';
  isEnrolled(): Promise<boolean>;
  profile(): Promise<Profile | null>;
  enroll(code: string, profile: Profile): Promise<EnrollResponse>;
  /** Resolves only once the alert is stored durably on this device. */
  raiseSos(req: SosRequest): Promise<AlertId>;
  cancel(id: AlertId, reason?: string): Promise<void>;
  /** Every core event (queued, sent, received…, queue_changed). */
  subscribe(listener: (e: CoreEvent) => void): () => void;
  /** Alerts that still need following, newest first (to restore the timeline). */
  openAlerts(): Promise<LocalAlertSummary[]>;
  /** Undelivered items waiting in the outbox. */
  pending(): Promise<number>;
  /** The last delivery attempt got no answer (for the offline banner). */
  isOffline?(): boolean;
  /** The shell sent the SMS fallback for this alert. */
  smsFallbackSent?(id: AlertId): Promise<void>;
  /** Warm the location provider while the SOS is held and counted down, so a
   *  fresh fix is there when the alert is composed (the app only). */
  armLocation?(active: boolean): Promise<void>;
  /** The network is back: send what is queued now (the app only). */
  connectivityRestored?(): Promise<void>;
}
