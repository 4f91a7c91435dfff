// A stand-in for the Tauri webview's IPC bridge (window.__TAURI_INTERNALS__),
// shared by the tests of the citizen and unit IPC data layers.

export function fakeTauri(handlers: Record<string, (args: any) => unknown>) {
  const calls: [string, any][] = [];
  const callbacks = new Map<number, (e: unknown) => void>();
  let next = 1;
  (globalThis as any).window = globalThis;
  (globalThis as any).__TAURI_INTERNALS__ = {
    transformCallback: (cb: (e: unknown) => void) => {
      const id = next++;
      callbacks.set(id, cb);
      return id;
    },
    unregisterCallback: (id: number) => callbacks.delete(id),
    invoke: async (cmd: string, args: any) => {
      calls.push([cmd, args]);
      const h = handlers[cmd];
      if (!h) throw { kind: 'internal', message: `no handler for ${cmd}` };
      return h(args);
    },
  };
  const unregistered: number[] = [];
  (globalThis as any).__TAURI_EVENT_PLUGIN_INTERNALS__ = { unregisterListener: (_e: string, id: number) => unregistered.push(id) };
  const emit = (event: string, payload: unknown) => {
    for (const [cmd, args] of calls) {
      if (cmd === 'plugin:event|listen' && args.event === event) callbacks.get(args.handler)?.({ event, id: 1, payload });
    }
  };
  return { calls, emit, unregistered };
}

export function clearFakeTauri(): void {
  delete (globalThis as any).__TAURI_INTERNALS__;
  delete (globalThis as any).__TAURI_EVENT_PLUGIN_INTERNALS__;
}
