// The Tauri webview's IPC, shared by the citizen and unit data layers.
// `@tauri-apps/api` is imported lazily so the web pages never load it.

export type Invoke = <T>(cmd: string, args?: Record<string, unknown>) => Promise<T>;
export type Listen = <T>(event: string, handler: (e: { payload: T }) => void) => Promise<() => void>;

export async function tauri(): Promise<{ invoke: Invoke; listen: Listen }> {
  const [core, event] = await Promise.all([import('@tauri-apps/api/core'), import('@tauri-apps/api/event')]);
  return { invoke: core.invoke as Invoke, listen: event.listen as Listen };
}

/** True inside the Tauri webview. */
export function inTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}
