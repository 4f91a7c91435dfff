import { useEffect, useState } from 'preact/hooks';
import type { AlertDetail as Detail, AlertSummary, NearestUnit, UnitView } from '../api/console-types';
import { ApiError } from '../api/http';
import { alertDetail, nearestUnits, transition, type TransitionBody } from '../api/responder';
import { OUTCOMES, type Outcome } from '../api/types';
import { formatAge, formatDistance, formatTime, t, type MessageKey } from '../i18n';
import { fixAgeMs, showClockNote, sinceReceivedMs } from '../logic/alert-time';
import { positionSteps, positionUnknown, type TrackPoint } from '../logic/console-state';

interface Props {
  alert: AlertSummary;
  track: TrackPoint[];
  /** Every unit: an alert with no position has no nearest, any available one may go. */
  units: UnitView[];
  now: number;
  onClose: () => void;
  /** The detail brought a full track: merge it into the map. */
  onTrack: (d: Detail) => void;
  /** An action was taken (acknowledge silences the alarm at once). */
  onAcked?: () => void;
}

export function AlertDetail({ alert: a, track, units, now, onClose, onTrack, onAcked }: Props) {
  const [detail, setDetail] = useState<Detail | null>(null);
  const [nearest, setNearest] = useState<NearestUnit[] | null>(null);
  const [outcome, setOutcome] = useState<Outcome>('attended');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const fixAge = fixAgeMs(a, now);
  const unknown = positionUnknown(a);

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
    if (a.status !== 'acknowledged' || unknown) return;
    let live = true;
    nearestUnits(a.id).then(
      (n) => live && setNearest(n),
      () => live && setNearest([]),
    );
    return () => {
      live = false;
    };
  }, [a.id, a.status, unknown]);

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
  const steps = positionSteps(a, track);
  const source = (s: TrackPoint['source']) => t(`source.${s}` as MessageKey);
  // No position: no distances; every available unit may be sent.
  const choices: { id: number; label: string }[] | null = unknown
    ? units.filter((u) => u.available).map((u) => ({ id: u.id, label: u.call_sign }))
    : (nearest?.map((n) => ({ id: n.unit.id, label: `${n.unit.call_sign} · ${formatDistance(n.distance_m)}` })) ?? null);
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
      {unknown && (
        <p class="banner danger" data-testid="detail-nopos">
          {t('console.nopos.call')}:{' '}
          <a href={`tel:${r.phone.replace(/\s/g, '')}`}>{r.phone}</a>
        </p>
      )}
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
          {!a.last ? (
            <strong class="nopos">{t('console.nopos')}</strong>
          ) : fixAge === null
            ? t('detail.fix.value_noage', {
                source: source(a.last.source),
                acc: formatDistance(a.last.accuracy_m),
              })
            : t('detail.fix.value', {
                source: source(a.last.source),
                acc: formatDistance(a.last.accuracy_m),
                age: formatAge(fixAge),
              })}
          {a.last && (
            <>
              <br />
              <small>
                {a.last.lat.toFixed(5)}, {a.last.lon.toFixed(5)}
              </small>
            </>
          )}
        </dd>
        <dt>{t('detail.steps')}</dt>
        <dd>
          <ol class="steps" data-testid="detail-steps">
            {!a.fix && <li data-step="raised-none">{t('detail.step.raised.none')}</li>}
            {steps.map((p) => (
              <li key={`${p.kind}-${p.seq ?? 0}`} data-step={p.kind} data-source={p.source}>
                {t(`detail.step.${p.kind}` as MessageKey)}: {t('detail.step.value', { source: source(p.source), acc: formatDistance(p.accuracy_m) })}{' '}
                <small>{formatTime(p.fixed_at_ms)}</small>
              </li>
            ))}
          </ol>
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
            {unknown && <p>{t('action.assign.nopos')}</p>}
            {choices === null && <p>…</p>}
            {choices?.length === 0 && <p>{t('action.no_units')}</p>}
            {choices?.map((c, i) => (
              <button
                key={c.id}
                type="button"
                class={i === 0 && !unknown ? 'btn-primary' : 'btn-plain'}
                disabled={busy}
                data-testid={`assign-${c.id}`}
                onClick={() => void act({ to: 'dispatched', unit_id: c.id })}
              >
                {i === 0 && !unknown && `${t('action.suggested')}: `}
                {c.label}
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
