import { describe, expect, it } from 'vitest';
import { applyCoreEvent, newProgress, timeline, withView, type CoreEvent, type Progress } from '../src/logic/progress';
import type { AlertStatus, AlertView } from '../src/api/types';

const ID = '01890000-0000-7000-8000-000000000001';
const view = (status: AlertStatus, updated: number, extra: Partial<AlertView> = {}): AlertView => ({
  id: ID,
  status,
  received_at_ms: 1000,
  updated_at_ms: updated,
  ...extra,
});
const states = (p: Progress) => timeline(p).map((s) => `${s.key}:${s.state}`);

describe('citizen timeline', () => {
  it('before anything: waiting to be saved', () => {
    expect(states(newProgress(ID))[0]).toBe('saved:current');
  });

  it('follows the core events in the order a person sees them', () => {
    const events: CoreEvent[] = [
      { type: 'queued', alert_id: ID },
      { type: 'sent', alert_id: ID },
      { type: 'received', alert_id: ID, view: view('new', 1) },
    ];
    const p = events.reduce(applyCoreEvent, newProgress(ID));
    expect(states(p)).toEqual([
      'saved:done',
      'sent:done',
      'received:done',
      'attending:current',
      'en_route:todo',
      'on_scene:todo',
      'resolved:todo',
    ]);
  });

  it('maps each server status to the step it reaches', () => {
    const cases: [AlertStatus, string][] = [
      ['new', 'received'],
      ['acknowledged', 'attending'],
      ['dispatched', 'en_route'],
      ['en_route', 'en_route'],
      ['on_scene', 'on_scene'],
      ['resolved', 'resolved'],
    ];
    for (const [status, lastDone] of cases) {
      const steps = timeline(withView(newProgress(ID), view(status, 5)));
      const done = steps.filter((s) => s.state === 'done').map((s) => s.key);
      expect(done.at(-1), status).toBe(lastDone);
    }
  });

  it('shows the unit and its distance on "unidad en camino", the outcome on "resuelto"', () => {
    let p = withView(newProgress(ID), view('en_route', 5, { unit_name: 'Serenazgo 07', unit_distance_m: 640 }));
    const step = timeline(p).find((s) => s.key === 'en_route');
    expect(step).toMatchObject({ state: 'done', unitName: 'Serenazgo 07', distanceM: 640 });
    p = withView(p, view('resolved', 9, { outcome: 'attended' }));
    expect(timeline(p).at(-1)).toMatchObject({ key: 'resolved', state: 'done', outcome: 'attended' });
  });

  it('never moves back when an older answer arrives late', () => {
    let p = withView(newProgress(ID), view('on_scene', 50));
    p = withView(p, view('acknowledged', 20));
    expect(p.view?.status).toBe('on_scene');
  });

  it('a cancelled alert ends with "cancelada" and no pending steps', () => {
    let p = applyCoreEvent(newProgress(ID), { type: 'queued', alert_id: ID });
    p = applyCoreEvent(p, { type: 'cancelled', alert_id: ID });
    expect(states(p)).toEqual(['saved:done', 'cancelled:done']);
  });

  it('records SMS fallback and wedged reasons, and ignores other alerts', () => {
    let p = applyCoreEvent(newProgress(ID), { type: 'sms_fallback', alert_id: ID, to: '+51999', text: 'x' });
    expect(p.sms).toBe('due');
    p = applyCoreEvent(p, { type: 'sms_fallback_sent', alert_id: ID });
    expect(p.sms).toBe('sent');
    p = applyCoreEvent(p, { type: 'wedged', alert_id: ID, item: 'alert', reason: 'invalid' });
    expect(p.wedged).toBe('invalid');
    const other = applyCoreEvent(p, { type: 'sent', alert_id: 'other' });
    expect(other).toBe(p);
  });
});
