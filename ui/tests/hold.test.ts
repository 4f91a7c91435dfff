import { describe, expect, it } from 'vitest';
import { DEFAULT_HOLD, IDLE, holdProgress, holdStep, secondsLeft, type HoldEvent, type HoldState } from '../src/logic/hold';

function run(events: HoldEvent[], cfg = DEFAULT_HOLD): HoldState {
  return events.reduce<HoldState>((s, e) => holdStep(s, e, cfg), IDLE);
}

describe('hold then countdown', () => {
  it('a short tap never reaches the countdown', () => {
    const s = run([{ type: 'press', now: 0 }, { type: 'tick', now: 700 }, { type: 'release', now: 1000 }]);
    expect(s).toEqual(IDLE);
  });

  it('holding 1.5 s starts a 5 s countdown that fires when it ends', () => {
    let s = run([{ type: 'press', now: 0 }, { type: 'tick', now: 1499 }]);
    expect(s.phase).toBe('holding');
    expect(holdProgress(s, 750)).toBeCloseTo(0.5);
    s = holdStep(s, { type: 'tick', now: 1500 });
    expect(s).toEqual({ phase: 'counting', until: 6500 });
    expect(secondsLeft(s, 1500)).toBe(5);
    expect(secondsLeft(s, 5600)).toBe(1);
    s = holdStep(s, { type: 'tick', now: 6499 });
    expect(s.phase).toBe('counting');
    s = holdStep(s, { type: 'tick', now: 6500 });
    expect(s).toEqual({ phase: 'fired', at: 6500 });
  });

  it('letting go during the countdown does not cancel; CANCELAR does', () => {
    let s = run([{ type: 'press', now: 0 }, { type: 'tick', now: 1600 }, { type: 'release', now: 2000 }]);
    expect(s.phase).toBe('counting');
    s = holdStep(s, { type: 'cancel', now: 3000 });
    expect(s).toEqual(IDLE);
    // The countdown deadline passing after a cancel fires nothing.
    expect(holdStep(s, { type: 'tick', now: 99_999 })).toEqual(IDLE);
  });

  it('a release after the hold time counts as a completed hold even if no tick came', () => {
    const s = run([{ type: 'press', now: 0 }, { type: 'release', now: 1700 }]);
    expect(s.phase).toBe('counting');
  });

  it('a zero countdown fires straight after the hold', () => {
    const cfg = { holdMs: 1500, countdownMs: 0 };
    const s = run([{ type: 'press', now: 0 }, { type: 'tick', now: 1500 }], cfg);
    expect(s.phase).toBe('fired');
  });

  it('a second press while counting or fired changes nothing; reset returns to idle', () => {
    let s = run([{ type: 'press', now: 0 }, { type: 'tick', now: 1500 }]);
    const counting = s;
    s = holdStep(s, { type: 'press', now: 2000 });
    expect(s).toBe(counting);
    s = holdStep(s, { type: 'tick', now: 7000 });
    expect(s.phase).toBe('fired');
    expect(holdStep(s, { type: 'cancel', now: 7100 }).phase).toBe('fired');
    expect(holdStep(s, { type: 'reset' })).toEqual(IDLE);
  });
});
