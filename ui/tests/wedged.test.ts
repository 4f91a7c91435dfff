import { describe, expect, it } from 'vitest';
import { applyCoreEvent, newProgress, timeline, withView } from '../src/logic/progress';
import { plainReason, wedgedNotice, withoutSent } from '../src/citizen/wedged';

const ID = '01890000-0000-7000-8000-000000000002';

function wedged(reason: string) {
  let p = newProgress(ID);
  p = applyCoreEvent(p, { type: 'queued', alert_id: ID });
  p = applyCoreEvent(p, { type: 'sent', alert_id: ID });
  return applyCoreEvent(p, { type: 'wedged', alert_id: ID, item: 'alert', reason });
}

describe('a wedged SOS', () => {
  it('says "No se pudo enviar" with a plain reason and a one-tap call to 105', () => {
    const n = wedgedNotice(wedged('HTTP 403: unknown device'));
    expect(n?.title).toBe('No se pudo enviar');
    expect(n?.reason).toBe('la central no reconoce este teléfono; vuelve a inscribirlo.');
    expect(n?.calls).toEqual([{ label: 'Llamar al 105', href: 'tel:105' }]);
  });

  it('also calls the central when its number is known', () => {
    const n = wedgedNotice(wedged('HTTP 400: invalid alert'), '+51 944 123 456');
    expect(n?.calls.map((c) => c.href)).toEqual(['tel:105', 'tel:+51944123456']);
    expect(n?.calls[1]?.label).toBe('Llamar a la central (+51 944 123 456)');
    expect(n?.reason).toBe('la central no aceptó el mensaje.');
  });

  it('never shows the raw reason text', () => {
    expect(plainReason('something odd')).toBe('la central rechazó el mensaje.');
    expect(plainReason('bad_code')).toBe('el código de inscripción no es válido.');
  });

  it('never says sent on the timeline', () => {
    const p = wedged('HTTP 400');
    expect(timeline(p).find((s) => s.key === 'sent')?.state).toBe('done');
    expect(withoutSent(p, timeline(p)).find((s) => s.key === 'sent')?.state).toBe('todo');
  });

  it('is gone once the retried alert reached the server', () => {
    const p = withView(wedged('HTTP 400'), { id: ID, status: 'new', received_at_ms: 1, updated_at_ms: 1 });
    expect(wedgedNotice(p)).toBeNull();
    expect(withoutSent(p, timeline(p)).find((s) => s.key === 'sent')?.state).toBe('done');
  });
});
