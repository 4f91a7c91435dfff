// Browser geolocation for the /sos page: watch, refuse broken fixes, keep the best.
import type { Fix } from '../api/types';
import { betterFix, fixFromBrowser } from '../logic/fix';

export type GeoState =
  | { state: 'locating' }
  | { state: 'ready'; fix: Fix }
  | { state: 'denied' }
  | { state: 'refused' }
  | { state: 'unavailable' };

export class BrowserGeo {
  private best: Fix | null = null;
  private newest: Fix | null = null;
  private watchId: number | null = null;
  private listeners = new Set<(s: GeoState) => void>();
  current: GeoState = { state: 'locating' };

  start(): void {
    if (this.watchId !== null) return;
    if (!('geolocation' in navigator)) {
      this.set({ state: 'unavailable' });
      return;
    }
    this.set({ state: 'locating' });
    this.watchId = navigator.geolocation.watchPosition(
      (pos) => {
        const r = fixFromBrowser(pos);
        if ('refused' in r) {
          // Keep a good fix we already have; only say "refused" if we have none.
          if (!this.best) this.set({ state: 'refused' });
          return;
        }
        this.best = betterFix(this.best, r.fix, Date.now());
        if (!this.newest || r.fix.fixed_at_ms >= this.newest.fixed_at_ms) this.newest = r.fix;
        this.set({ state: 'ready', fix: this.best });
      },
      (err) => {
        if (this.best) return;
        this.set({ state: err.code === err.PERMISSION_DENIED ? 'denied' : 'unavailable' });
      },
      { enableHighAccuracy: true, maximumAge: 10_000, timeout: 20_000 },
    );
  }

  restart(): void {
    if (this.watchId !== null) navigator.geolocation.clearWatch(this.watchId);
    this.watchId = null;
    this.start();
  }

  /** The best usable fix, or null. Never (0, 0), never accuracy 0. */
  fix(): Fix | null {
    return this.best;
  }

  /** The most recent usable fix (for tracking after the SOS), or null. */
  latest(): Fix | null {
    return this.newest;
  }

  subscribe(f: (s: GeoState) => void): () => void {
    this.listeners.add(f);
    f(this.current);
    return () => this.listeners.delete(f);
  }

  private set(s: GeoState): void {
    this.current = s;
    this.listeners.forEach((f) => f(s));
  }
}
