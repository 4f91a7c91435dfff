// The SOS trigger: press and hold (with a visible fill), then a countdown
// with a large CANCELAR, then fire. Pure state machine; time is passed in so
// tests drive it without timers.

export interface HoldConfig {
  /** How long the button must be held, ms (about 1.5 s). */
  holdMs: number;
  /** Countdown after the hold, ms (5 s default; 0 fires at once). */
  countdownMs: number;
}

export const DEFAULT_HOLD: HoldConfig = { holdMs: 1500, countdownMs: 5000 };

export type HoldState =
  | { phase: 'idle' }
  | { phase: 'holding'; since: number }
  | { phase: 'counting'; until: number }
  | { phase: 'fired'; at: number };

export type HoldEvent =
  | { type: 'press'; now: number }
  /** Finger lifted, slid off or the pointer was cancelled. */
  | { type: 'release'; now: number }
  | { type: 'tick'; now: number }
  | { type: 'cancel'; now: number }
  /** After the alert was handed to the data layer, ready for another. */
  | { type: 'reset' };

export const IDLE: HoldState = { phase: 'idle' };

export function holdStep(s: HoldState, e: HoldEvent, cfg: HoldConfig = DEFAULT_HOLD): HoldState {
  switch (e.type) {
    case 'reset':
      return IDLE;
    case 'press':
      return s.phase === 'idle' ? { phase: 'holding', since: e.now } : s;
    case 'release':
      // Letting go early is the accident guard. Letting go during the
      // countdown does not cancel: only CANCELAR does.
      if (s.phase === 'holding') {
        return e.now - s.since >= cfg.holdMs ? afterHold(e.now, cfg) : IDLE;
      }
      return s;
    case 'cancel':
      return s.phase === 'holding' || s.phase === 'counting' ? IDLE : s;
    case 'tick':
      if (s.phase === 'holding' && e.now - s.since >= cfg.holdMs) return afterHold(e.now, cfg);
      if (s.phase === 'counting' && e.now >= s.until) return { phase: 'fired', at: e.now };
      return s;
  }
}

function afterHold(now: number, cfg: HoldConfig): HoldState {
  return cfg.countdownMs <= 0 ? { phase: 'fired', at: now } : { phase: 'counting', until: now + cfg.countdownMs };
}

/** Fill of the button while holding, 0..1. */
export function holdProgress(s: HoldState, now: number, cfg: HoldConfig = DEFAULT_HOLD): number {
  if (s.phase === 'holding') return Math.min(1, Math.max(0, (now - s.since) / cfg.holdMs));
  return s.phase === 'idle' ? 0 : 1;
}

/** Whole seconds left in the countdown (5, 4, … 1), 0 outside it. */
export function secondsLeft(s: HoldState, now: number): number {
  return s.phase === 'counting' ? Math.max(0, Math.ceil((s.until - now) / 1000)) : 0;
}
