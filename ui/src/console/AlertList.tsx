import type { AlertSummary } from '../api/console-types';
import type { AlertId } from '../api/types';
import { formatAge, t, type MessageKey } from '../i18n';
import { showClockNote, sinceReceivedMs } from '../logic/alert-time';
import { positionUnknown } from '../logic/console-state';
import { KIND_COLOR, KIND_GLYPH } from './look';

interface Props {
  alerts: AlertSummary[];
  selected: AlertId | null;
  onSelect: (id: AlertId) => void;
  now: number;
}

export function AlertList({ alerts, selected, onSelect, now }: Props) {
  if (!alerts.length) return <p class="empty">{t('console.none')}</p>;
  return (
    <ul class="alert-list" data-testid="alert-list">
      {alerts.map((a) => (
        <li key={a.id}>
          <button
            type="button"
            class={`alert-item status-${a.status}${a.id === selected ? ' selected' : ''}${positionUnknown(a) ? ' nopos' : ''}`}
            data-alert={a.id}
            data-nopos={positionUnknown(a) ? 'true' : undefined}
            data-status={a.status}
            aria-pressed={a.id === selected}
            onClick={() => onSelect(a.id)}
          >
            <span class="glyph" style={{ background: KIND_COLOR[a.kind] }} aria-hidden="true">
              {KIND_GLYPH[a.kind]}
            </span>
            <span class="ai-main">
              <strong>{t(`kind.${a.kind}` as MessageKey)}</strong>
              {a.silent && <span class="tag silent"> {t('console.silent')}</span>}
              <span class="ai-who">{a.reporter.display_name}{a.organization ? ` · ${a.organization}` : ''}</span>
              {positionUnknown(a) && (
                // No pin on the map: who to call, from where, stands here.
                <span class="ai-nopos" data-testid="nopos">
                  <strong>{t('console.nopos')}</strong>
                  {a.reporter.place ? ` · ${a.reporter.place}` : ''}
                  {!a.organization && a.reporter.organization ? ` · ${a.reporter.organization}` : ''}
                </span>
              )}
              {showClockNote(a) && (
                <small class="clock-note" data-testid="clock-note">
                  {t('console.clock_suspect')}
                </small>
              )}
            </span>
            <span class="ai-side">
              <span class={`badge status-${a.status}`}>{t(`status.${a.status}` as MessageKey)}</span>
              <span class="ai-age">{formatAge(sinceReceivedMs(a, now))}</span>
            </span>
          </button>
          {positionUnknown(a) && (
            // The phone is the only way to find this person (a link cannot sit inside the button).
            <a class="ai-call" href={`tel:${a.reporter.phone.replace(/\s/g, '')}`} data-testid="nopos-call">
              {t('console.call')}: {a.reporter.phone}
            </a>
          )}
        </li>
      ))}
    </ul>
  );
}
