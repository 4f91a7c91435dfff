import { formatDistance, t, type MessageKey } from '../i18n';
import { timeline, type Progress, type Step } from '../logic/progress';
import { openSmsLink, smsNotice } from './sms';
import { wedgedNotice, withoutSent } from './wedged';

function label(s: Step): string {
  if (s.key === 'en_route' && s.unitName) return t('step.en_route.unit', { unit: s.unitName });
  return t(`step.${s.key}` as MessageKey);
}

export function Timeline({ progress, centralNumber }: { progress: Progress; centralNumber?: string }) {
  const steps = withoutSent(progress, timeline(progress));
  const wedged = wedgedNotice(progress, centralNumber ?? progress.smsTo);
  const sms = smsNotice(progress);
  const smsLink = sms?.state === 'due' ? sms.link : undefined;
  return (
    <section class="timeline" aria-labelledby="tl-title">
      <h2 id="tl-title">{t('timeline.title')}</h2>
      <ol>
        {steps.map((s) => (
          <li key={s.key} class={`step ${s.state}`} data-step={s.key} data-state={s.state} aria-current={s.state === 'current' ? 'step' : undefined}>
            <span class="dot" aria-hidden="true">
              {s.state === 'done' ? '✓' : ''}
            </span>
            <span class="step-label">
              {label(s)}
              {s.distanceM != null && <span class="step-detail"> · {t('step.distance', { d: formatDistance(s.distanceM) })}</span>}
              {s.outcome && <span class="step-detail"> · {t(`outcome.${s.outcome}` as MessageKey)}</span>}
              <span class="sr-only"> ({t(`step.state.${s.state}` as MessageKey)})</span>
            </span>
          </li>
        ))}
      </ol>
      {wedged && (
        <div class="banner danger" role="alert" data-testid="wedged">
          <p>
            <strong>{wedged.title}</strong>: {wedged.reason}
          </p>
          <p>{t('wedged.retrying')}</p>
          <p>
            {wedged.calls.map((c) => (
              <a key={c.href} class="btn-danger" style={{ display: 'inline-block', margin: '4px 8px 0 0', textDecoration: 'none' }} href={c.href}>
                {c.label}
              </a>
            ))}
          </p>
        </div>
      )}
      {sms && (
        <div class={`banner ${sms.state === 'sent' ? 'info' : 'warn'}`} role="status" data-testid="sms" data-state={sms.state}>
          <p>{sms.text}</p>
          {smsLink && (
            <a
              class="btn-danger"
              data-testid="sms-link"
              href={smsLink.href}
              onClick={(e) => openSmsLink(smsLink.href, e)}
              style={{ display: 'block', minHeight: '56px', lineHeight: '32px', fontSize: '1.2rem', textAlign: 'center', textDecoration: 'none', borderRadius: '10px' }}
            >
              {smsLink.label}
            </a>
          )}
        </div>
      )}
    </section>
  );
}

export function OfflineBanner({ offline, pending }: { offline: boolean; pending: number }) {
  if (!offline) return null;
  return (
    <p class="banner warn" role="status" data-testid="offline">
      {pending > 0 ? t('net.offline', { n: pending }) : t('net.offline.none')}
    </p>
  );
}
