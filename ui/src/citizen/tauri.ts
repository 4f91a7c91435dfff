// The installed app's data layer: Tauri IPC to the Rust core (auxilio-core).
// Command and event names are constants shared with the Tauri shell; errors
// arrive as tagged `{ kind, message }` objects (never plain strings).
// `@tauri-apps/api` is imported lazily so the /sos web page never loads it.

import type { AlertId, EnrollResponse, Profile } from '../api/types';
import type { CoreEvent } from '../logic/progress';
import type { CitizenData, DataError, LocalAlertSummary, SosRequest } from './data';
import { isDataError } from './data';
import { tauri } from '../api/tauri-ipc';
import { OPEN_LINK_CMD } from './sms';

export { inTauri } from '../api/tauri-ipc';

/** Tauri command names (the shell's `#[tauri::command]` functions). */
export const CMD = {
  isEnrolled: 'is_enrolled',
  profile: 'profile',
  enroll: 'enroll',
  raiseSos: 'raise_sos',
  cancel: 'cancel_sos',
  openAlerts: 'open_alerts',
  pending: 'pending_count',
  smsFallbackSent: 'sms_fallback_sent',
  armLocation: 'arm_location',
  connectivityRestored: 'connectivity_restored',
  openLink: OPEN_LINK_CMD,
  // Patrol unit
  unitReport: 'unit_report',
} as const;

/** Tauri event names. The payload of `core` is one CoreEvent; of `sms`, the
 *  shell's own `sms_sending` / `sms_failed` notice (same shape). */
export const EVT = {
  core: 'auxilio://core-event',
  sms: 'auxilio://sms-send',
} as const;

function asDataError(e: unknown): DataError {
  return isDataError(e) ? e : { kind: 'internal', message: 'unexpected error from the app core' };
}

export class TauriCitizenData implements CitizenData {
  readonly platform = 'tauri' as const;
  private api = tauri();

  private async call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
    const { invoke } = await this.api;
    try {
      return await invoke<T>(cmd, args);
    } catch (e) {
      throw asDataError(e);
    }
  }

  isEnrolled(): Promise<boolean> {
    return this.call(CMD.isEnrolled);
  }
  profile(): Promise<Profile | null> {
    return this.call(CMD.profile);
  }
  enroll(code: string, profile: Profile): Promise<EnrollResponse> {
    return this.call(CMD.enroll, { code, profile });
  }
  raiseSos(req: SosRequest): Promise<AlertId> {
    return this.call(CMD.raiseSos, { req });
  }
  cancel(id: AlertId, reason?: string): Promise<void> {
    return this.call(CMD.cancel, { alertId: id, reason: reason ?? null });
  }
  openAlerts(): Promise<LocalAlertSummary[]> {
    return this.call(CMD.openAlerts);
  }
  pending(): Promise<number> {
    return this.call(CMD.pending);
  }
  smsFallbackSent(id: AlertId): Promise<void> {
    return this.call(CMD.smsFallbackSent, { alertId: id });
  }
  async armLocation(active: boolean): Promise<void> {
    await this.call<boolean>(CMD.armLocation, { active });
  }
  connectivityRestored(): Promise<void> {
    return this.call(CMD.connectivityRestored);
  }
  /** Core events and the shell's SMS notices, to one listener. */
  subscribe(listener: (e: CoreEvent) => void): () => void {
    const unlisten: (() => void)[] = [];
    let stopped = false;
    void this.api.then(({ listen }) => {
      for (const name of [EVT.core, EVT.sms]) {
        void listen<CoreEvent>(name, (e) => listener(e.payload)).then((u) => {
          if (stopped) u();
          else unlisten.push(u);
        });
      }
    });
    return () => {
      stopped = true;
      for (const u of unlisten.splice(0)) u();
    };
  }
}
