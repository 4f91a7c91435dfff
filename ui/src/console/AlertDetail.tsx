import { useEffect, useState } from 'preact/hooks';
import type { AlertDetail as Detail, AlertSummary, NearestUnit } from '../api/console-types';
import { ApiError } from '../api/http';
import { alertDetail, nearestUnits, transition, type TransitionBody } from '../api/responder';
import { OUTCOMES, type Outcome } from '../api/types';
import { formatAge, formatDistance, formatTime, t, type MessageKey } from '../i18n';
import { fixAgeMs, showClockNote, sinceReceivedMs } from '../logic/alert-time';
import type { TrackPoint } from '../logic/console-state';

interface Props {
  alert: AlertSummary;
  track: TrackPoint[];
  now: number;
  onClose: () => void;
  /** The detail brought a full track: merge it into the map. */
  onTrack: (d: Detail) => void;
  /** An action was taken (acknowledge silences the alarm at once). */
  onAcked?: () => void;
}

export function AlertDetail({ alert: a, track, now, onClose, onTrack, onAcked }: Props) {
  const [detail, setDetail] = useState<Detail | null>(null);
  const [nearest, setNearest] = useState<NearestUnit[] | null>(null);
  const [outcome, setOutcome] = useState<Outcome>('attended');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const fixAge = fixAgeMs(a, now);

  // Reload history and track whenever the alert changes on the server.
  useEffect(() => {
    let live = true;
    alertDetail(a.id).then(
      (d) => {
        if (!live) return;
        setDetail(d);
        onTrack(d);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [a.id, a.updated_at_ms]);

  useEffect(() => {
    setNearest(null);
    if (a.status !== 'acknowledged') return;
    let live = true;
    nearestUnits(a.id).then(
      (n) => live && setNearest(n),
      () => live && setNearest([]),
    );
    return () => {
      live = false;
    };
  }, [a.id, a.status]);

  const act = async (body: TransitionBody) => {
    setBusy(true);
    setError(null);
    try {
      await transition(a.id, body);
      if (body.to === 'acknowledged') onAcked?.();
    } catch (e) {
      setError(t('action.failed', { reason: e instanceof ApiError ? e.message : String(e) }));
    } finally {
      setBusy(false);
    }
  };

  const r = a.reporter;
  const open = a.status !== 'resolved' && a.status !== 'cancelled';
  const canResolve = open && a.status !== 'new';
  return (
    <aside class="detail" aria-labelledby="detail-title" data-testid="detail">
      <header class="detail-head">
        <h2 id="detail-title">
          {t(`kind.${a.kind}` as MessageKey)} · <span data-testid="detail-status">{t(`status.${a.status}` as MessageKey)}</span>
        </h2>
        <button type="button" class="btn-plain" onClick={onClose}>
          {t('detail.close')}
        </button>
      </header>
      {a.silent && <p class="banner danger">{t('detail.silent')}</p>}
      <dl class="facts">
        <dt>{t('detail.reporter')}</dt>
        <dd>{r.display_name} · {t(`role.${r.role}` as MessageKey)}</dd>
        <dt>{t('detail.phone')}</dt>
        <dd>
          <a href={`tel:${r.phone.replace(/\s/g, '')}`}>{r.phone}</a>
        </dd>
        {(a.organization || r.organization) && (
          <>
            <dt>{t('detail.organization')}</dt>
            <dd>{a.organization ?? r.organization}</dd>
          </>
        )}
        {r.plate && (
          <>
            <dt>{t('detail.plate')}</dt>
            <dd class="plate">{r.plate}</dd>
          </>
        )}
        {r.place && (
          <>
            <dt>{t('detail.place')}</dt>
            <dd>{r.place}</dd>
          </>
        )}
        <dt>{t('detail.fix')}</dt>
        <dd data-testid="detail-fix">
          {fixAge === null
            ? t('detail.fix.value_noage', {
                source: t(`source.${a.fix.source}` as MessageKey),
                acc: formatDistance(a.last.accuracy_m),
              })
            : t('detail.fix.value', {
                source: t(`source.${a.fix.source}` as MessageKey),
                acc: formatDistance(a.last.accuracy_m),
                age: formatAge(fixAge),
              })}
          <br />
          <small>
            {a.last.lat.toFixed(5)}, {a.last.lon.toFixed(5)}
          </small>
        </dd>
        <dt>{t('detail.received')}</dt>
        <dd>
          {formatTime(a.received_at_ms)} ({formatAge(sinceReceivedMs(a, now))})
          {showClockNote(a) && (
            <>
              <br />
              <small class="clock-note" data-testid="clock-note">
                {t('console.clock_suspect')}
              </small>
            </>
          )}
        </dd>
        {a.unit_name && (
          <>
            <dt>{t('detail.unit')}</dt>
            <dd>{a.unit_name}</dd>
          </>
        )}
        {a.note && (
          <>
            <dt>{t('detail.note')}</dt>
            <dd>{a.note}</dd>
          </>
        )}
        {a.battery_pct != null && (
          <>
            <dt>{t('detail.battery')}</dt>
            <dd>{a.battery_pct} %</dd>
          </>
        )}
        <dt>{t('detail.track')}</dt>
        <dd>{t('detail.track.n', { n: track.length })}</dd>
      </dl>

      <div class="actions">
        {a.status === 'new' && (
          <button type="button" class="btn-danger big" disabled={busy} onClick={() => void act({ to: 'acknowledged' })} data-testid="ack">
            {t('action.ack')}
          </button>
        )}
        {a.status === 'acknowledged' && (
          <div class="assign" data-testid="assign">
            <h3>{t('action.assign')}</h3>
            {nearest === null && <p>…</p>}
            {nearest?.length === 0 && <p>{t('action.no_units')}</p>}
            {nearest?.map((n, i) => (
              <button
                key={n.unit.id}
                type="button"
                class={i === 0 ? 'btn-primary' : 'btn-plain'}
                disabled={busy}
                data-testid={`assign-${n.unit.id}`}
                onClick={() => void act({ to: 'dispatched', unit_id: n.unit.id })}
              >
                {i === 0 && `${t('action.suggested')}: `}
                {n.unit.call_sign} · {formatDistance(n.distance_m)}
              </button>
            ))}
          </div>
        )}
        {a.status === 'dispatched' && (
          <button type="button" class="btn-plain" disabled={busy} onClick={() => void act({ to: 'en_route' })}>
            {t('action.en_route')}
          </button>
        )}
        {(a.status === 'dispatched' || a.status === 'en_route') && (
          <button type="button" class="btn-plain" disabled={busy} onClick={() => void act({ to: 'on_scene' })}>
            {t('action.on_scene')}
          </button>
        )}
        {canResolve && (
          <div class="resolve">
            <label for="outcome">{t('action.resolve')}</label>
            <select id="outcome" value={outcome} onChange={(e) => setOutcome((e.currentTarget as HTMLSelectElement).value as Outcome)}>
              {OUTCOMES.map((o) => (
                <option key={o} value={o}>
                  {t(`outcome.${o}` as MessageKey)}
                </option>
              ))}
            </select>
            <button type="button" class="btn-plain" disabled={busy} onClick={() => void act({ to: 'resolved', outcome })} data-testid="resolve">
              {t('action.resolve')}
            </button>
          </div>
        )}
        {error && (
          <p class="banner danger" role="alert">
            {error}
          </p>
        )}
      </div>

      <h3>{t('detail.audit')}</h3>
      <ol class="audit" data-testid="audit">
        {(detail?.history ?? []).map((h, i) => (
          <li key={i}>
            <time>{formatTime(h.at_ms)}</time>{' '}
            {h.to_status ? `→ ${t(`status.${h.to_status}` as MessageKey)}` : h.action} <small>({h.actor})</small>
            {h.detail ? <small> · {h.detail}</small> : null}
          </li>
        ))}
      </ol>
    </aside>
  );
}
