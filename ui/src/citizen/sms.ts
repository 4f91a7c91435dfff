// The SMS fallback on the timeline. Core asks for it when the server has
// not received the alert after 30 s. On Android the app sends it itself
// ("Enviando la alerta por SMS…", then "SMS enviado" only once Android
// reported it sent: core's `sms_fallback_sent`). Where the app cannot send
// it (desktop, iOS, or Android without permission or signal) the person
// gets one large button: an `sms:` link with the number and the signed
// text already filled in. Nothing here ever says "sent" on its own.
import { t } from '../i18n';
import type { Progress } from '../logic/progress';

/** The shell's command that opens `sms:`/`tel:`/`geo:` links (CMD.openLink). */
export const OPEN_LINK_CMD = 'open_link';

/** Opens the link from a click: inside the app through the shell's
 *  `open_link` (the web view does not open `sms:` links itself), on the
 *  webview's bridge directly so the /sos page never loads the Tauri API; in
 *  a browser the link's own href does it. */
export function openSmsLink(href: string, e?: Event): void {
  const bridge = (globalThis as { __TAURI_INTERNALS__?: { invoke(cmd: string, args: Record<string, unknown>): Promise<unknown> } })
    .__TAURI_INTERNALS__;
  if (!bridge) return;
  e?.preventDefault();
  void bridge.invoke(OPEN_LINK_CMD, { url: href }).catch(() => {
    // No app on this device opens it: the button stays for another try.
  });
}

/** What the timeline shows about the SMS fallback. */
export type SmsNotice =
  | { state: 'sending'; text: string }
  | { state: 'due'; text: string; link?: { href: string; label: string } }
  | { state: 'sent'; text: string };

/** A number as the SMS app dials it: an optional leading `+` and digits; null if none. */
export function smsNumber(raw: string): string | null {
  const s = raw.trim();
  const plus = s.startsWith('+') ? '+' : '';
  const rest = plus ? s.slice(1) : s;
  if (!/^[\d\s.()-]+$/.test(rest)) return null;
  const digits = rest.replace(/\D/g, '');
  return digits.length >= 3 ? plus + digits : null;
}

/** `sms:<to>?body=<text>` (RFC 5724), or null without a usable number or text. */
export function smsHref(to: string, text: string): string | null {
  const number = smsNumber(to);
  if (!number || !text) return null;
  return `sms:${number}?body=${encodeURIComponent(text)}`;
}

export function smsNotice(p: Progress): SmsNotice | null {
  if (p.sms === 'sent') return { state: 'sent', text: t('sms.sent') };
  if (p.sms !== 'due') return null;
  if (p.smsSending) return { state: 'sending', text: t('sms.sending') };
  const href = p.smsTo && p.smsText ? smsHref(p.smsTo, p.smsText) : null;
  return {
    state: 'due',
    text: t('sms.due'),
    ...(href ? { link: { href, label: t('sms.link') } } : {}),
  };
}
