import type { Page, TestInfo } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** axe-core: the serious and critical violations (should be none). */
export async function seriousViolations(page: Page, info?: TestInfo): Promise<string[]> {
  const res = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const lines = bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  if (info && lines.length) await info.attach('axe', { body: lines.join('\n'), contentType: 'text/plain' });
  return lines;
}

/** Press and hold the SOS control for `ms` with the mouse. */
export async function holdSos(page: Page, ms: number): Promise<void> {
  const sos = page.getByTestId('sos');
  await sos.scrollIntoViewIfNeeded();
  await sos.hover();
  await page.mouse.down();
  await page.waitForTimeout(ms);
  await page.mouse.up();
}

/** A good fix in El Porvenir. */
export const EL_PORVENIR = { latitude: -8.0705, longitude: -79.0001, accuracy: 15 };
