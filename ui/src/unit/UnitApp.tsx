import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Account, UnitView } from '../api/console-types';
import { OUTCOMES, type Outcome } from '../api/types';
import { LangSwitch, useLang, useNow } from '../common';
import { Login, alarm } from '../console/ConsoleApp';
import { MapView } from '../console/MapView';
import { formatAge, formatDistance, t, type MessageKey } from '../i18n';
import { distanceM, refuseFix } from '../logic/fix';
import { unitData } from './data';
import { isUnitError, type UnitAlert, type UnitConn, type UnitData, type UnitStep } from './types';

const ACCEPTED_KEY = 'auxilio.unit.accepted';
/** Report at most this often, unless the unit moved more than REPORT_MOVE_M. */
const REPORT_EVERY_MS = 15_000;
const REPORT_MOVE_M = 30;

function vibrate(p: number[]) {
  try {
    navigator.vibrate?.(p);
  } catch {
    // Not supported.
  }
}

const sessionGone = (e: unknown) => isUnitError(e) && (e.kind === 'unauthorized' || e.kind === 'not_logged_in');

function Patrol({ data, account, onLogout }: { data: UnitData; account: Account; onLogout: (ended: boolean) => void }) {
  const [alerts, setAlerts] = useState<UnitAlert[]>([]);
  const [me_, setMe] = useState<UnitView | null>(null);
  const [duty, setDuty] = useState<boolean | null>(null);
  const [accepted, setAccepted] = useState(() => localStorage.getItem(ACCEPTED_KEY) ?? '');
  const [conn, setConn] = useState<UnitConn>('connecting');
  const [lastReport, setLastReport] = useState<number | null>(null);
  const [outcome, setOutcome] = useState<Outcome>('attended');
  const [error, setError] = useState<string | null>(null);
  const now = useNow(1000);
  const lastSent = useRef<{ at: number; lat: number; lon: number } | null>(null);

  const refresh = async () => {
    try {
      const [list, self] = await Promise.all([data.assignments(), data.self()]);
      setAlerts(list);
      if (self) setMe(self);
    } catch (e) {
      if (sessionGone(e)) onLogout(true);
    }
  };

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const soon = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void refresh(), 150);
    };
    const stop = data.watch({
      onChange: soon,
      onUnit: setMe,
      onState: setConn,
      onSessionEnded: () => onLogout(true),
    });
    void data.restoreDuty().then(setDuty, () => setDuty(false));
    void refresh();
    return () => {
      stop();
      if (timer) clearTimeout(timer);
    };
  }, [data]);

  const toggleDuty = () => {
    const next = !duty;
    setDuty(next);
    setError(null);
    data.setDuty(next).then(
      () => void refresh(),
      (e) => {
        if (sessionGone(e)) return onLogout(true);
        setDuty(!next);
        setError(t('action.failed', { reason: isUnitError(e) ? e.message : String(e) }));
      },
    );
  };

  // The browser page measures and reports its position while on duty
  // (refusing broken fixes); in the app the shell does it.
  useEffect(() => {
    if (!duty || !data.reportsPositions || !('geolocation' in navigator)) return;
    const id = navigator.geolocation.watchPosition(
      (pos) => {
        const f = { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy_m: pos.coords.accuracy, fixed_at_ms: pos.timestamp };
        if (refuseFix(f)) return;
        const last = lastSent.current;
        const t0 = Date.now();
        if (last && t0 - last.at < REPORT_EVERY_MS && distanceM(last, f) < REPORT_MOVE_M) return;
        lastSent.current = { at: t0, lat: f.lat, lon: f.lon };
        data.report(f.lat, f.lon).then(
          () => setLastReport(Date.now()),
          () => (lastSent.current = null),
        );
      },
      () => undefined,
      { enableHighAccuracy: true, maximumAge: 5000 },
    );
    return () => navigator.geolocation.clearWatch(id);
  }, [duty, data]);

  const assigned = useMemo(() => [...alerts].sort((a, b) => b.updated_at_ms - a.updated_at_ms)[0], [alerts]);
  const ringing = !!assigned && assigned.id !== accepted;

  useEffect(() => {
    alarm.set(ringing);
    if (ringing) vibrate([400, 200, 400, 200, 400]);
  }, [ringing, assigned?.id]);
  useEffect(() => () => alarm.set(false), []);

  const accept = () => {
    if (!assigned) return;
    alarm.unlock();
    localStorage.setItem(ACCEPTED_KEY, assigned.id);
    setAccepted(assigned.id);
  };

  const act = async (step: UnitStep) => {
    if (!assigned) return;
    setError(null);
    try {
      await data.transition(assigned.id, step);
      await refresh();
    } catch (e) {
      if (sessionGone(e)) return onLogout(true);
      setError(t('action.failed', { reason: isUnitError(e) ? e.message : String(e) }));
    }
  };

  const reportedAt = data.reportsPositions ? lastReport : (me_?.position_at_ms ?? null);
  const myPos = me_?.lat != null && me_?.lon != null ? { lat: me_.lat, lon: me_.lon } : null;
  return (
    <div class="patrol">
      <header class="top">
        <h1>
          {t('patrol.title')} {me_?.call_sign ?? account.username}
        </h1>
        <span class={`conn ${conn}`} role="status" data-testid="conn" data-state={conn}>
          <span class="conn-dot" aria-hidden="true" />
          {t(`conn.${conn}`)}
        </span>
        <LangSwitch />
      </header>
      <main class="patrol-body">
        <label class="toggle duty">
          <input type="checkbox" checked={!!duty} disabled={duty === null} onChange={toggleDuty} data-testid="duty" />
          <span>
            {duty ? t('patrol.duty.on') : t('patrol.duty.off')}
            <small>{reportedAt ? t('patrol.position', { age: formatAge(Math.max(0, now - reportedAt)) }) : t('patrol.position.none')}</small>
          </span>
        </label>
        {!assigned && <p class="banner info">{t('patrol.waiting')}</p>}
        {assigned && (
          <section class={`assigned${ringing ? ' ringing' : ''}`} data-testid="assigned" aria-live="assertive">
            <h2>
              {t('patrol.assigned')}: {t(`kind.${assigned.kind}` as MessageKey)}
            </h2>
            <p class="big-facts">
              <strong>{assigned.reporter.display_name}</strong> · <a href={`tel:${assigned.reporter.phone.replace(/\s/g, '')}`}>{assigned.reporter.phone}</a>
              {assigned.reporter.plate && <span class="plate"> · {assigned.reporter.plate}</span>}
              <br />
              {t(`status.${assigned.status}` as MessageKey)} · {t('patrol.since', { age: formatAge(now - assigned.received_at_ms) })} ·{' '}
              {assigned.last ? (
                <>
                  ±{formatDistance(assigned.last.accuracy_m)}
                  {myPos && <> · {formatDistance(distanceM(myPos, assigned.last))}</>}
                </>
              ) : (
                // No position yet: the phone number above is the way to find the person.
                <strong data-testid="assigned-nopos">{t('console.nopos')}</strong>
              )}
            </p>
            {assigned.silent && <p class="banner danger">{t('detail.silent')}</p>}
            <div class="patrol-actions">
              {ringing && (
                <button type="button" class="btn-danger big" onClick={accept} data-testid="accept">
                  {t('patrol.accept')}
                </button>
              )}
              {assigned.last && (
                <a class="btn-primary big nav" href={`geo:${assigned.last.lat},${assigned.last.lon}?q=${assigned.last.lat},${assigned.last.lon}(Auxilio)`}>
                  {t('patrol.navigate')}
                </a>
              )}
              {assigned.status === 'dispatched' && (
                <button type="button" class="btn-plain big" onClick={() => void act({ to: 'en_route' })}>
                  {t('action.en_route')}
                </button>
              )}
              {(assigned.status === 'dispatched' || assigned.status === 'en_route') && (
                <button type="button" class="btn-plain big" onClick={() => void act({ to: 'on_scene' })}>
                  {t('action.on_scene')}
                </button>
              )}
              <div class="resolve">
                <label for="outcome">{t('action.resolve')}</label>
                <select id="outcome" value={outcome} onChange={(e) => setOutcome((e.currentTarget as HTMLSelectElement).value as Outcome)}>
                  {OUTCOMES.map((o) => (
                    <option key={o} value={o}>
                      {t(`outcome.${o}` as MessageKey)}
                    </option>
                  ))}
                </select>
                <button type="button" class="btn-plain big" onClick={() => void act({ to: 'resolved', outcome })}>
                  {t('action.resolve')}
                </button>
              </div>
            </div>
          </section>
        )}
        {error && (
          <p class="banner danger" role="alert">
            {error}
          </p>
        )}
        <div class="patrol-map">
          <MapView alerts={assigned ? [assigned] : []} tracks={{}} units={me_ ? [me_] : []} selected={assigned?.id ?? null} onSelect={() => undefined} />
        </div>
        <button type="button" class="btn-plain" onClick={() => onLogout(false)}>
          {t('logout')}
        </button>
      </main>
    </div>
  );
}

export function UnitApp() {
  useLang();
  const [data, setData] = useState<UnitData | null>(null);
  const [account, setAccount] = useState<Account | null | undefined>(undefined);
  useEffect(() => {
    void unitData().then(async (d) => {
      setData(d);
      setAccount(await d.account());
    });
  }, []);
  if (!data || account === undefined) return <main class="login" aria-busy="true" />;
  if (account === null) return <Login onDone={setAccount} submit={(u, p) => data.login(u, p)} title="patrol.title" />;
  const logout = (ended: boolean) => {
    alarm.set(false);
    if (ended) setAccount(null);
    else void data.logout().finally(() => setAccount(null));
  };
  return <Patrol data={data} account={account} onLogout={logout} />;
}
