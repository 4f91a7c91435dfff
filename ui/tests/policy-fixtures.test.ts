// The /sos page's delivery policy against the shared tables in fixtures/,
// which core's Rust tests read too (core/src/delivery/policy_fixtures.rs).

import { describe, expect, it } from 'vitest';
import {
  BACKOFF_CAP_MS,
  BACKOFF_INITIAL_MS,
  RETRY_AFTER_LIMIT_MS,
  applyOutcome,
  backoffCeilingMs,
  backoffDelayMs,
  dependentState,
  judge,
  nextSend,
  parseHttpDate,
  parseRetryAfter,
  type AlertRows,
  type Outcome,
} from '../src/citizen/policy';
import { fixture } from './fixtures';

interface BackoffTable {
  initial_ms: number;
  cap_ms: number;
  retry_after_limit_ms: number;
  ceilings: { failures: number; max_ms: number }[];
  retry_after: { failures: number; retry_after_ms: number; min_ms: number; max_ms: number }[];
}
interface RetryAfterTable {
  now_ms: number;
  now_http_date: string;
  cases: { header: string; wait_ms: number | null }[];
}
interface AnswerTable {
  alert_id: string;
  cases: { name: string; expect: 'alert' | 'positions'; status: number; body: string; outcome: Outcome }[];
}
type Step = { queue: string } | { send: string | null; answer?: Outcome };
interface OrderTable {
  scenarios: { name: string; steps: Step[]; final: string[] }[];
}

describe('backoff (fixtures/backoff.json)', () => {
  const t = fixture<BackoffTable>('backoff.json');
  it('has core bounds', () => {
    expect([BACKOFF_INITIAL_MS, BACKOFF_CAP_MS, RETRY_AFTER_LIMIT_MS]).toEqual([t.initial_ms, t.cap_ms, t.retry_after_limit_ms]);
  });
  it('spreads each wait over [0, ceiling] (full jitter)', () => {
    for (const c of t.ceilings) {
      expect(backoffCeilingMs(c.failures), `failures ${c.failures}`).toBe(c.max_ms);
      expect(backoffDelayMs(c.failures, null, 0)).toBe(0);
      expect(backoffDelayMs(c.failures, null, 1)).toBe(c.max_ms);
      for (let i = 0; i < 100; i++) {
        const d = backoffDelayMs(c.failures, null);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(c.max_ms);
      }
    }
  });
  it('honours Retry-After as a floor, up to the limit', () => {
    for (const f of t.retry_after) {
      for (const r of [0, 0.5, 1]) {
        const d = backoffDelayMs(f.failures, f.retry_after_ms, r);
        expect(d, `${f.failures} / ${f.retry_after_ms} / ${r}`).toBeGreaterThanOrEqual(f.min_ms);
        expect(d).toBeLessThanOrEqual(f.max_ms);
      }
    }
  });
});

describe('Retry-After (fixtures/retry_after.json)', () => {
  const t = fixture<RetryAfterTable>('retry_after.json');
  it('reads both forms from the given now', () => {
    expect(parseHttpDate(t.now_http_date)).toBe(t.now_ms);
    for (const c of t.cases) expect(parseRetryAfter(c.header, t.now_ms), JSON.stringify(c.header)).toBe(c.wait_ms);
  });
});

describe('answers (fixtures/answers.json)', () => {
  const t = fixture<AnswerTable>('answers.json');
  it('sorts each answer as core does', () => {
    for (const c of t.cases) {
      expect(judge(c.status, c.body, c.expect === 'alert' ? { view: t.alert_id } : 'receipt'), c.name).toBe(c.outcome);
    }
  });
});

describe('delivery order (fixtures/order.json)', () => {
  const t = fixture<OrderTable>('order.json');
  for (const s of t.scenarios) {
    it(s.name, () => {
      const alerts = new Map<string, AlertRows & { name: string }>();
      const oldest: (AlertRows & { name: string })[] = [];
      const queued: [string, 'alert' | 'cancel' | 'positions'][] = [];
      s.steps.forEach((step, i) => {
        if ('queue' in step) {
          const [name, item] = step.queue.split('.') as [string, string];
          if (item === 'alert') {
            const rows = { name, alert: 'queued' as const, cancel: null, positions: null };
            alerts.set(name, rows);
            oldest.push(rows);
            queued.push([name, 'alert']);
          } else {
            const rows = alerts.get(name)!;
            if (item === 'cancel') rows.cancel = dependentState(rows);
            else rows.positions = dependentState(rows);
            queued.push([name, item === 'cancel' ? 'cancel' : 'positions']);
          }
          return;
        }
        const next = nextSend(oldest);
        expect(next ? `${next.rows.name}.${next.send}` : null, `step ${i}`).toBe(step.send);
        if (next) applyOutcome(next.rows, next.send, step.answer!);
      });
      expect(queued.map(([name, what]) => alerts.get(name)![what])).toEqual(s.final);
    });
  }
});
