import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ALERT_KINDS, type AlertId, type AlertKind } from '../api/types';
import { t, type MessageKey } from '../i18n';
import { DEFAULT_HOLD, type HoldConfig } from '../logic/hold';
import { applyCoreEvent, isFinished, newProgress, timeline, withView, type CoreEvent, type Progress } from '../logic/progress';
import type { CitizenData, DataError } from './data';
import { isDataError } from './data';
import { SosControl } from './SosControl';
import { OfflineBanner, Timeline } from './Timeline';

const SILENT_KEY = 'auxilio.silent';

function loadSilent(): boolean {
  try {
    return localStorage.getItem(SILENT_KEY) === '1';
  } catch {
    return false;
  }
}

export function holdConfigFromUrl(): HoldConfig {
  const q = new URLSearchParams(location.search).get('countdown');
  const n = q === null ? NaN : Number(q);
  return Number.isFinite(n) && n >= 0 && n <= 30 ? { ...DEFAULT_HOLD, countdownMs: n * 1000 } : DEFAULT_HOLD;
}

interface Props {
  data: CitizenData;
  hold?: HoldConfig;
  /** Shown above the SOS control (the web page's location line). */
  header?: ComponentChildren;
  /** Shown under it (the web page's note and contact form). */
  footer?: ComponentChildren;
  /** Shown above the timeline of a sent alert (the /sos page: "sent without a location"). */
  sentNote?: (id: AlertId) => ComponentChildren;
  canFire?: boolean;
  errorText?: (e: DataError) => string;
}

export function CitizenScreen({ data, hold = DEFAULT_HOLD, header, footer, canFire = true, errorText, sentNote }: Props) {
  const [kind, setKind] = useState<AlertKind>('sos');
  const [silent, setSilent] = useState(loadSilent);
  const [current, setCurrent] = useState<AlertId | null>(null);
  const [progress, setProgress] = useState<Record<AlertId, Progress>>({});
  const [pending, setPending] = useState(0);
  const [offline, setOffline] = useState(typeof navigator !== 'undefined' && !navigator.onLine);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [confirmCancel, setConfirmCancel] = useState(false);

  useEffect(() => {
    const recompute = () => setOffline(!navigator.onLine || (data.isOffline?.() ?? false));
    const off = data.subscribe((e: CoreEvent) => {
      if (e.type === 'queue_changed') {
        setPending(e.pending);
        recompute();
        return;
      }
      setProgress((all) => ({ ...all, [e.alert_id]: applyCoreEvent(all[e.alert_id] ?? newProgress(e.alert_id), e) }));
    });
    const back = () => {
      recompute();
      void data.connectivityRestored?.().catch(() => undefined);
    };
    window.addEventListener('online', back);
    window.addEventListener('offline', recompute);
    void data.pending().then(setPending);
    // Restore the newest open alert after a reload or a restart.
    void data.openAlerts().then((list) => {
      const first = list[0];
      if (first) {
        setCurrent((c) => c ?? first.id);
        setProgress((all) => {
          let p: Progress = { ...(all[first.id] ?? newProgress(first.id)), saved: true };
          if (first.delivered) p.sent = true;
          if (first.cancelled) p.cancelled = true;
          if (first.view) p = withView(p, first.view);
          return { ...all, [first.id]: p };
        });
        (data as { replay?: (id: AlertId) => void }).replay?.(first.id);
      }
    });
    return () => {
      off();
      window.removeEventListener('online', back);
      window.removeEventListener('offline', recompute);
    };
  }, [data]);

  const toggleSilent = () => {
    const v = !silent;
    setSilent(v);
    try {
      localStorage.setItem(SILENT_KEY, v ? '1' : '0');
    } catch {
      // Not persisted.
    }
  };

  const fire = async () => {
    setError(null);
    setNotice(null);
    try {
      const id = await data.raiseSos({ kind, silent });
      setProgress((all) => ({ ...all, [id]: { ...(all[id] ?? newProgress(id)), saved: true } }));
      setCurrent(id);
    } catch (e) {
      const de: DataError = isDataError(e) ? e : { kind: 'internal', message: String(e) };
      setError(errorText?.(de) ?? t('sos.error', { reason: de.message }));
    }
  };

  const p = current ? progress[current] ?? newProgress(current) : null;
  const discreet = !!p && silent;

  // Silent and sent: nothing on screen (header, tab title) may say "alarm".
  useEffect(() => {
    if (!discreet) return;
    const title = document.title;
    document.body.classList.add('discreet');
    document.title = t('silent.title');
    return () => {
      document.body.classList.remove('discreet');
      document.title = title;
    };
  }, [discreet]);

  if (p && discreet) {
    // Discreet: looks like a notes app, no red, no alarm words.
    const last = timeline(p).filter((s) => s.state === 'done').pop();
    return (
      <main class="silent-screen" data-testid="silent-screen">
        <h1>{t('silent.title')}</h1>
        <p>—</p>
        <p class="silent-status" data-step={last?.key}>
          {t('silent.step', { step: last ? t(`silent.s.${last.key}` as MessageKey) : '…' })}
        </p>
        {isFinished(p) && (
          <button type="button" class="btn-plain" onClick={() => setCurrent(null)}>
            ←
          </button>
        )}
      </main>
    );
  }

  if (p) {
    return (
      <main class="citizen">
        <OfflineBanner offline={offline} pending={pending} />
        {sentNote?.(p.alertId)}
        <Timeline progress={p} />
        {!isFinished(p) && !p.cancelled && (
          <div class="cancel-sent">
            {confirmCancel ? (
              <>
                <button type="button" class="btn-danger" onClick={() => { setConfirmCancel(false); void data.cancel(p.alertId); }}>
                  {t('sos.cancel.confirm')}
                </button>
                <button type="button" class="btn-plain" onClick={() => setConfirmCancel(false)}>
                  {t('sos.cancel.keep')}
                </button>
              </>
            ) : (
              <button type="button" class="btn-plain" onClick={() => setConfirmCancel(true)}>
                {t('sos.cancel.sent')}
              </button>
            )}
          </div>
        )}
        {isFinished(p) && (
          <button type="button" class="btn-primary" onClick={() => setCurrent(null)}>
            {t('sos.new')}
          </button>
        )}
        {footer}
      </main>
    );
  }

  return (
    <main class="citizen">
      <OfflineBanner offline={offline} pending={pending} />
      {header}
      <SosControl config={hold} silent={silent} disabled={!canFire} onFire={() => void fire()} onCancel={() => setNotice(t('sos.cancelled'))} onArm={(active) => void data.armLocation?.(active).catch(() => undefined)} />
      {notice && (
        <p class="banner info" role="status" data-testid="notice">
          {notice}
        </p>
      )}
      {error && (
        <p class="banner danger" role="alert" data-testid="error">
          {error}
        </p>
      )}
      <fieldset class="kinds">
        <legend>{t('sos.kind.label')}</legend>
        {ALERT_KINDS.map((k) => (
          <label key={k} class={`kind${kind === k ? ' selected' : ''}`}>
            <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} />
            {t(`kind.${k}` as MessageKey)}
          </label>
        ))}
      </fieldset>
      <label class="toggle">
        <input type="checkbox" checked={silent} onChange={toggleSilent} data-testid="silent" />
        <span>
          {t('sos.silent')}
          <small>{t('sos.silent.hint')}</small>
        </span>
      </label>
      {footer}
    </main>
  );
}
