// The patrol unit page's data layer: one interface (types.ts) with two
// implementations, plain HTTP with the console's cookie session (the page
// served by auxilio-server at /unit/, web.ts) and Tauri IPC to the app's
// unit client (the installed app, tauri.ts). This file picks one; the
// screens only see the interface.

import { inTauri } from '../api/tauri-ipc';
import type { UnitData } from './types';

/** Picks the implementation: IPC inside the Tauri webview, HTTP elsewhere. */
export async function unitData(): Promise<UnitData> {
  if (inTauri()) {
    const { TauriUnitData } = await import('./tauri');
    return new TauriUnitData();
  }
  const { WebUnitData } = await import('./web');
  return new WebUnitData();
}
