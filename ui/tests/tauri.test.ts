import { afterEach, describe, expect, it } from 'vitest';
import { CMD, EVT, TauriCitizenData } from '../src/citizen/tauri';
import { openSmsLink } from '../src/citizen/sms';
import type { CoreEvent } from '../src/logic/progress';
import { clearFakeTauri, fakeTauri } from './fake-tauri';

afterEach(clearFakeTauri);

describe('Tauri data layer', () => {
  it('calls the core commands by their constant names with camelCase args', async () => {
    const t = fakeTauri({
      [CMD.raiseSos]: () => '01890000-0000-7000-8000-000000000001',
      [CMD.cancel]: () => null,
      [CMD.pending]: () => 2,
    });
    const d = new TauriCitizenData();
    expect(await d.raiseSos({ kind: 'asalto', silent: true })).toBe('01890000-0000-7000-8000-000000000001');
    await d.cancel('01890000-0000-7000-8000-000000000001');
    expect(await d.pending()).toBe(2);
    expect(t.calls).toEqual([
      ['raise_sos', { req: { kind: 'asalto', silent: true } }],
      ['cancel_sos', { alertId: '01890000-0000-7000-8000-000000000001', reason: null }],
      ['pending_count', {}],
    ]);
  });

  it('warms the location provider during the hold and reports the network back', async () => {
    const t = fakeTauri({
      [CMD.armLocation]: () => true,
      [CMD.connectivityRestored]: () => null,
    });
    const d = new TauriCitizenData();
    await d.armLocation(true);
    await d.armLocation(false);
    await d.connectivityRestored();
    expect(t.calls).toEqual([
      ['arm_location', { active: true }],
      ['arm_location', { active: false }],
      ['connectivity_restored', {}],
    ]);
  });

  it('passes tagged errors through and wraps anything else', async () => {
    fakeTauri({
      [CMD.raiseSos]: () => {
        throw { kind: 'not_enrolled', message: 'not enrolled' };
      },
      [CMD.enroll]: () => {
        throw 'a plain string';
      },
    });
    const d = new TauriCitizenData();
    await expect(d.raiseSos({ kind: 'sos', silent: false })).rejects.toEqual({ kind: 'not_enrolled', message: 'not enrolled' });
    await expect(d.enroll('x', { display_name: 'a', phone: '+51999999999', role: 'resident' })).rejects.toMatchObject({ kind: 'internal' });
  });

  it('delivers core events from the event constant to subscribers', async () => {
    const t = fakeTauri({ 'plugin:event|listen': () => 7, 'plugin:event|unlisten': () => null });
    const d = new TauriCitizenData();
    const got: CoreEvent[] = [];
    const off = d.subscribe((e) => got.push(e));
    await new Promise((r) => setTimeout(r, 10));
    t.emit(EVT.core, { type: 'queued', alert_id: 'a' });
    t.emit('other', { type: 'sent', alert_id: 'a' });
    t.emit(EVT.sms, { type: 'sms_sending', alert_id: 'a' });
    expect(got).toEqual([
      { type: 'queued', alert_id: 'a' },
      { type: 'sms_sending', alert_id: 'a' },
    ]);
    off();
    await new Promise((r) => setTimeout(r, 10));
    expect(t.unregistered).toEqual([7, 7]);
  });

  it('opens an sms: link through the shell, not the web view', async () => {
    const t = fakeTauri({ [CMD.openLink]: () => null });
    let prevented = false;
    openSmsLink('sms:+51944123456?body=AUX1%20x', { preventDefault: () => (prevented = true) } as unknown as Event);
    await new Promise((r) => setTimeout(r, 10));
    expect(prevented).toBe(true);
    expect(t.calls).toEqual([['open_link', { url: 'sms:+51944123456?body=AUX1%20x' }]]);
  });
});
