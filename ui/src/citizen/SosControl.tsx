import { useEffect, useRef, useState } from 'preact/hooks';
import { DEFAULT_HOLD, IDLE, holdProgress, holdStep, secondsLeft, type HoldConfig, type HoldEvent, type HoldState } from '../logic/hold';
import { t } from '../i18n';
import { beep, vibrate } from './feedback';

interface Props {
  config?: HoldConfig;
  silent: boolean;
  disabled?: boolean;
  /** The countdown ran out: send. */
  onFire: () => void;
  /** The person pressed CANCELAR during the countdown. */
  onCancel?: () => void;
  /** The hold started (true) or the control went back to idle (false). */
  onArm?: (active: boolean) => void;
}

/**
 * The SOS control: press and hold (visible fill), then a countdown with a
 * large CANCELAR. Works with touch, mouse and keyboard (Space / Enter held).
 */
export function SosControl({ config = DEFAULT_HOLD, silent, disabled, onFire, onCancel, onArm }: Props) {
  const [state, setState] = useState<HoldState>(IDLE);
  const [now, setNow] = useState(0);
  const stateRef = useRef(state);
  const fired = useRef(false);
  const onFireRef = useRef(onFire);
  onFireRef.current = onFire;

  const dispatch = (e: HoldEvent) => {
    const prev = stateRef.current;
    const next = holdStep(prev, e, config);
    if (next === prev) return;
    stateRef.current = next;
    setState(next);
    if (prev.phase === 'idle') onArm?.(true);
    if (next.phase === 'idle') onArm?.(false);
    if (prev.phase === 'holding' && next.phase === 'counting' && !silent) vibrate([60]);
    if (next.phase === 'fired' && !fired.current) {
      fired.current = true;
      if (!silent) vibrate([200, 100, 200]);
      onFireRef.current();
      stateRef.current = IDLE;
      setState(IDLE);
      onArm?.(false);
      fired.current = false;
    }
  };

  // Drive the machine while holding or counting.
  useEffect(() => {
    if (state.phase !== 'holding' && state.phase !== 'counting') return;
    let raf = 0;
    let lastSecond = -1;
    const loop = () => {
      const n = performance.now();
      setNow(n);
      const s = stateRef.current;
      if (s.phase === 'counting' && !silent) {
        const left = secondsLeft(s, n);
        if (left !== lastSecond) {
          lastSecond = left;
          beep(880, 0.08);
        }
      }
      dispatch({ type: 'tick', now: n });
      raf = requestAnimationFrame(loop);
    };
    // rAF stops in background tabs; a timer keeps the countdown honest there.
    const iv = setInterval(() => dispatch({ type: 'tick', now: performance.now() }), 250);
    raf = requestAnimationFrame(loop);
    return () => {
      cancelAnimationFrame(raf);
      clearInterval(iv);
    };
  }, [state.phase]);

  const press = (e: Event) => {
    if (disabled) return;
    e.preventDefault();
    dispatch({ type: 'press', now: performance.now() });
  };
  const release = () => dispatch({ type: 'release', now: performance.now() });
  // The finger that completed the hold is still down when CANCELAR appears
  // under it; lifting it must not count as a tap on CANCELAR. Only a press
  // that starts on CANCELAR (or a keyboard activation) cancels.
  const cancelArmed = useRef(false);
  const cancel = (e: MouseEvent) => {
    if (e.detail !== 0 && !cancelArmed.current) return;
    cancelArmed.current = false;
    dispatch({ type: 'cancel', now: performance.now() });
    onCancel?.();
  };

  if (state.phase === 'counting') {
    const left = secondsLeft(state, now || performance.now());
    // Silent mode: the same safety, in words that do not give the person away.
    const text = silent ? t('silent.countdown', { s: left }) : t('sos.countdown', { s: left });
    return (
      <div class={`countdown${silent ? ' discreet' : ''}`} role="alertdialog" aria-live="assertive" aria-label={text}>
        <p class="countdown-text">{text}</p>
        <p class="countdown-number" aria-hidden="true">
          {left}
        </p>
        <button type="button" class="btn-cancel" data-testid="cancel" onPointerDown={() => (cancelArmed.current = true)} onClick={cancel} autoFocus>
          {silent ? t('silent.cancel') : t('sos.cancel')}
        </button>
      </div>
    );
  }

  const p = holdProgress(state, now || performance.now(), config);
  return (
    <div class="sos-wrap">
      <button
        type="button"
        class={`sos-button${state.phase === 'holding' ? ' holding' : ''}${silent ? ' discreet' : ''}`}
        data-testid="sos"
        disabled={disabled}
        style={{ '--p': String(p) }}
        aria-describedby="sos-hint"
        onPointerDown={(e) => {
          (e.currentTarget as HTMLElement).setPointerCapture?.(e.pointerId);
          press(e);
        }}
        onPointerUp={release}
        onPointerCancel={release}
        onContextMenu={(e) => e.preventDefault()}
        onKeyDown={(e) => {
          if ((e.key === ' ' || e.key === 'Enter') && !e.repeat) press(e);
        }}
        onKeyUp={(e) => {
          if (e.key === ' ' || e.key === 'Enter') release();
        }}
        onBlur={release}
      >
        <span class="sos-fill" aria-hidden="true" />
        <span class="sos-label">{t('sos.button')}</span>
      </button>
      <p id="sos-hint" class="sos-hint">
        {state.phase === 'holding' ? t('sos.holding') : t('sos.hold')}
      </p>
    </div>
  );
}
