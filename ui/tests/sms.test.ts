import { describe, expect, it } from 'vitest';
import { smsHref, smsNotice, smsNumber } from '../src/citizen/sms';
import { setLang } from '../src/i18n';
import { applyCoreEvent, newProgress, type CoreEvent } from '../src/logic/progress';

const ID = '01890000-0000-7000-8000-000000000001';
// What core's SmsFallback carries: "AUX1 " + 152 base64url characters.
const TEXT = 'AUX1 AQGJAAAAAHAAgAAAAAAAAAHx-2_Y' + 'a'.repeat(120);
const fallback: CoreEvent = { type: 'sms_fallback', alert_id: ID, to: '+51 944 123 456', text: TEXT };
const run = (events: CoreEvent[]) => events.reduce(applyCoreEvent, newProgress(ID));

describe('the sms: link of the SMS fallback', () => {
  it('keeps the number dialable and encodes the body', () => {
    expect(smsHref('+51 944-123-456', 'AUX1 ab-_c')).toBe('sms:+51944123456?body=AUX1%20ab-_c');
    expect(smsHref('(044) 481234', 'a&b=c?d#e+f')).toBe('sms:044481234?body=a%26b%3Dc%3Fd%23e%2Bf');
    const href = smsHref('+51944123456', TEXT)!;
    expect(decodeURIComponent(href.split('?body=')[1])).toBe(TEXT);
  });

  it('refuses a number that is not one, and an empty text', () => {
    for (const bad of ['', '+', '12', 'central', '51+944', 'sms:105']) expect(smsNumber(bad), bad).toBeNull();
    expect(smsHref('+51944123456', '')).toBeNull();
    expect(smsHref('central', TEXT)).toBeNull();
  });
});

describe('the SMS fallback on the timeline', () => {
  setLang('es');

  it('where the app cannot send it: asks the person, with the prefilled link, never says sent', () => {
    const n = smsNotice(run([{ type: 'queued', alert_id: ID }, fallback]))!;
    expect(n.state).toBe('due');
    expect(n.text).toBe('Sin respuesta del servidor: envíe la alerta por SMS.');
    expect(n.text).not.toMatch(/enviad|se envía|enviando/i);
    expect(n.state === 'due' && n.link).toEqual({
      href: `sms:+51944123456?body=${encodeURIComponent(TEXT)}`,
      label: 'Enviar SMS a la central',
    });
  });

  it('while the app sends it (Android): "enviando", no link, in either event order', () => {
    const sending: CoreEvent = { type: 'sms_sending', alert_id: ID };
    for (const events of [[sending, fallback], [fallback, sending]]) {
      const n = smsNotice(run(events))!;
      expect(n).toEqual({ state: 'sending', text: 'Sin respuesta del servidor: enviando la alerta por SMS…' });
    }
  });

  it('says "sent" only after sms_fallback_sent', () => {
    const before = [fallback, { type: 'sms_sending', alert_id: ID } as CoreEvent];
    expect(smsNotice(run(before))?.state).toBe('sending');
    const p = run([...before, { type: 'sms_fallback_sent', alert_id: ID }]);
    expect(smsNotice(p)).toEqual({ state: 'sent', text: 'Alerta enviada también por SMS.' });
    // A late notice or a repeated fallback (after a restart) never undoes it.
    expect(smsNotice(applyCoreEvent(applyCoreEvent(p, fallback), { type: 'sms_sending', alert_id: ID }))?.state).toBe('sent');
  });

  it('when the app could not send it, the link comes back', () => {
    const p = run([{ type: 'sms_sending', alert_id: ID }, fallback, { type: 'sms_failed', alert_id: ID, reason: 'no_service' }]);
    const n = smsNotice(p)!;
    expect(n.state).toBe('due');
    expect(n.state === 'due' && n.link?.href).toMatch(/^sms:\+51944123456\?body=AUX1%20/);
  });

  it('shows nothing before the fallback, and ignores other alerts', () => {
    expect(smsNotice(run([{ type: 'queued', alert_id: ID }]))).toBeNull();
    expect(smsNotice(run([{ ...fallback, alert_id: 'other' }]))).toBeNull();
  });

  it('has its English words', () => {
    setLang('en');
    try {
      const n = smsNotice(run([fallback]))!;
      expect(n.text).toBe('No answer from the server: send the alert by SMS.');
      expect(n.state === 'due' && n.link?.label).toBe('Send SMS to the centre');
    } finally {
      setLang('es');
    }
  });
});
