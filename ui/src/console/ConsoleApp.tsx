import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'preact/hooks';
import type { Account, AlertDetail as Detail } from '../api/console-types';
import { ApiError } from '../api/http';
import { live, login, logout, me, openAlerts, units as fetchUnits } from '../api/responder';
import type { AlertId } from '../api/types';
import { LangSwitch, useLang, useNow } from '../common';
import { formatAge, t } from '../i18n';
import { EMPTY, consoleReducer, sortedAlerts, unacknowledged, type ConsoleState } from '../logic/console-state';
import { Alarm } from './alarm';
import { AlertDetail } from './AlertDetail';
import { AlertList } from './AlertList';
import { MapView } from './MapView';

export const alarm = new Alarm();
(window as unknown as { __auxilioAlarm: Alarm }).__auxilioAlarm = alarm;

/** A refused login: the HTTP 401, or the app's tagged `unauthorized`. */
const badLogin = (err: unknown) =>
  (err instanceof ApiError && err.status === 401) || (typeof err === 'object' && err !== null && (err as { kind?: unknown }).kind === 'unauthorized');

export function Login({
  onDone,
  title = 'login.title',
  submit: send = async (u, p) => (await login(u, p)).account,
}: {
  onDone: (a: Account) => void;
  title?: 'login.title' | 'patrol.title';
  /** How to log in (the patrol unit inside the app asks the shell). */
  submit?: (username: string, password: string) => Promise<Account>;
}) {
  const [user, setUser] = useState('');
  const [pass, setPass] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    alarm.unlock(); // the click is the gesture that allows sound
    setBusy(true);
    setError(null);
    try {
      onDone(await send(user.trim(), pass));
    } catch (err) {
      setError(badLogin(err) ? t('login.bad') : t('err.network'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form onSubmit={(e) => void submit(e)}>
        <h1>{t(title)}</h1>
        <div class="field">
          <label for="user">{t('login.user')}</label>
          <input id="user" autocomplete="username" value={user} onInput={(e) => setUser((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="pass">{t('login.password')}</label>
          <input id="pass" type="password" autocomplete="current-password" value={pass} onInput={(e) => setPass((e.currentTarget as HTMLInputElement).value)} />
        </div>
        {error && (
          <p class="banner danger" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="btn-primary" disabled={busy}>
          {t('login.submit')}
        </button>
      </form>
    </main>
  );
}

function Dashboard({ account, onLogout }: { account: Account; onLogout: () => void }) {
  const [state, dispatch] = useReducer(consoleReducer, EMPTY);
  const stateRef = useRef<ConsoleState>(state);
  stateRef.current = state;
  const [selected, setSelected] = useState<AlertId | null>(null);
  const [soundOk, setSoundOk] = useState(alarm.unlocked);
  const now = useNow(1000);

  useEffect(() => {
    let stop: (() => void) | null = null;
    let cancelled = false;
    const snapshot = async () => {
      const list = await openAlerts();
      dispatch({ type: 'snapshot', alerts: list.alerts, lastEventId: String(list.last_event_id) });
    };
    const start = async () => {
      // The first snapshot gives the cursor; retry until the server answers.
      for (let i = 0; !cancelled; i++) {
        try {
          await snapshot();
          dispatch({ type: 'units', units: await fetchUnits() });
          break;
        } catch (e) {
          if (e instanceof ApiError && e.status === 401) return onLogout();
          dispatch({ type: 'connection', connection: 'reconnecting' });
          await new Promise((r) => setTimeout(r, Math.min(5000, 500 * 2 ** i)));
        }
      }
      if (cancelled) return;
      stop = live({
        lastEventId: () => stateRef.current.lastEventId,
        onEvent: (event, id) => dispatch({ type: 'event', event, ...(id ? { id } : {}) }),
        onState: (s) => {
          if (s === 'unauthorized') onLogout();
          else dispatch({ type: 'connection', connection: s });
        },
        // The replay from Last-Event-ID is complete; the list is refreshed as well
        // in case the server's store was restored.
        onReconnect: () => void snapshot().catch(() => undefined),
      });
    };
    void start();
    return () => {
      cancelled = true;
      stop?.();
    };
  }, []);

  const list = useMemo(() => sortedAlerts(state), [state.alerts]);
  const unacked = useMemo(() => unacknowledged(state).length, [state.alerts]);
  const unitList = useMemo(() => Object.values(state.units).sort((a, b) => a.call_sign.localeCompare(b.call_sign)), [state.units]);

  useEffect(() => {
    alarm.set(unacked > 0);
  }, [unacked]);
  useEffect(() => () => alarm.set(false), []);

  const onTrack = useCallback((d: Detail) => dispatch({ type: 'track', alertId: d.alert.id, points: d.track }), []);
  const sel = selected ? state.alerts[selected] : undefined;

  return (
    <div class="console">
      <header class="top">
        <h1>{t('login.title')}</h1>
        <span class={`conn ${state.connection}`} role="status" data-testid="conn" data-state={state.connection}>
          <span class="conn-dot" aria-hidden="true" />
          {t(`conn.${state.connection}`)}
        </span>
        {unacked > 0 && (
          <span class="unacked" data-testid="unacked">
            {t('console.unacked', { n: unacked })}
          </span>
        )}
        {!soundOk && (
          <button
            type="button"
            class="btn-warn"
            title={t('console.sound.hint')}
            onClick={() => {
              alarm.unlock();
              setSoundOk(true);
            }}
          >
            🔔 {t('console.sound.on')}
          </button>
        )}
        <span class="who">{account.username}</span>
        <LangSwitch />
        <button type="button" class="lang" onClick={() => void logout().finally(onLogout)}>
          {t('logout')}
        </button>
      </header>
      <div class="console-body">
        <section class="side" aria-labelledby="alerts-title">
          <h2 id="alerts-title">
            {t('console.alerts')} ({list.length})
          </h2>
          <AlertList alerts={list} selected={selected} onSelect={setSelected} now={now} />
          <h2>{t('console.units')}</h2>
          <ul class="unit-list" data-testid="unit-list">
            {unitList.map((u) => (
              <li key={u.id} class={u.available ? 'available' : 'busy'}>
                <strong>{u.call_sign}</strong> · {t(u.available ? 'unit.available' : 'unit.busy')}
                {u.position_at_ms ? <small> · {t('patrol.since', { age: formatAge(now - u.position_at_ms) })}</small> : null}
              </li>
            ))}
          </ul>
        </section>
        <MapView alerts={list} tracks={state.tracks} units={unitList} selected={selected} onSelect={setSelected} />
        {sel && (
          <AlertDetail
            alert={sel}
            track={state.tracks[sel.id] ?? []}
            units={unitList}
            now={now}
            onClose={() => setSelected(null)}
            onTrack={onTrack}
          />
        )}
      </div>
    </div>
  );
}

export function ConsoleApp() {
  useLang();
  const [account, setAccount] = useState<Account | null | undefined>(undefined);
  useEffect(() => {
    me().then(setAccount, () => setAccount(null));
  }, []);
  if (account === undefined) return <main class="login" aria-busy="true" />;
  if (account === null) return <Login onDone={setAccount} />;
  return <Dashboard account={account} onLogout={() => setAccount(null)} />;
}
