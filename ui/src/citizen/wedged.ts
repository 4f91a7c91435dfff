// What the person sees when the server refused the SOS for good (wedged):
// "No se pudo enviar", the reason in plain words, and one-tap calls to 105
// and to the central (its SMS number from enrollment, when known). Core keeps
// retrying the alert; nothing here says it was sent.
import { t, type MessageKey } from '../i18n';
import type { Progress, Step } from '../logic/progress';

export const POLICE_NUMBER = '105';

export interface Call {
  label: string;
  href: string;
}

export interface WedgedNotice {
  title: string;
  reason: string;
  calls: Call[];
}

/** The refusal's reason as plain words (the raw text is for support, not the person). */
export function plainReason(reason: string): string {
  const r = reason.toLowerCase();
  let key: MessageKey = 'wedged.reason.other';
  if (r === 'bad_code' || r.includes('code')) key = 'wedged.reason.code';
  else if (r.includes('403') || r.includes('device') || r.includes('enrol') || r.includes('signature')) key = 'wedged.reason.device';
  else if (r.includes('alert was refused')) key = 'wedged.reason.alert';
  else if (r.includes('400') || r.includes('invalid') || r.includes('422')) key = 'wedged.reason.invalid';
  return t(key);
}

function telHref(number: string): string {
  return `tel:${number.replace(/[^\d+]/g, '')}`;
}

/** The notice for a wedged alert, or null when it is not wedged (or arrived after all). */
export function wedgedNotice(p: Progress, centralNumber?: string): WedgedNotice | null {
  if (!p.wedged || p.view) return null;
  const calls: Call[] = [{ label: t('wedged.call.police'), href: telHref(POLICE_NUMBER) }];
  const central = centralNumber?.trim();
  if (central && telHref(central) !== telHref(POLICE_NUMBER)) {
    calls.push({ label: t('wedged.call.central', { number: central }), href: telHref(central) });
  }
  return { title: t('wedged.title'), reason: plainReason(p.wedged), calls };
}

/** The timeline of a wedged alert never says sent: the "sent" step waits. */
export function withoutSent(p: Progress, steps: Step[]): Step[] {
  if (!p.wedged || p.view) return steps;
  return steps.map((s) => (s.key === 'sent' ? { ...s, state: 'todo' } : s));
}
