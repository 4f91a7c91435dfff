// A tiny i18n: two dictionaries, one signal for the current language.
import { es, type MessageKey } from './es';
import { en } from './en';

export type { MessageKey };
export type Lang = 'es' | 'en';
export const DICTS: Record<Lang, Record<MessageKey, string>> = { es, en };

const STORAGE_KEY = 'auxilio.lang';
let current: Lang = 'es';
const listeners = new Set<() => void>();

export function initLang(): Lang {
  try {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (saved === 'es' || saved === 'en') current = saved;
  } catch {
    // Storage blocked: stay in Spanish.
  }
  applyDocumentLang();
  return current;
}

export function lang(): Lang {
  return current;
}

export function setLang(l: Lang): void {
  current = l;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, l);
  } catch {
    // Not persisted; still switched for this session.
  }
  applyDocumentLang();
  listeners.forEach((f) => f());
}

export function onLangChange(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

function applyDocumentLang(): void {
  if (typeof document !== 'undefined') document.documentElement.lang = current === 'es' ? 'es-PE' : 'en';
}

/** The message in the current language with `{name}` placeholders filled. */
export function t(key: MessageKey, params?: Record<string, string | number>, l: Lang = current): string {
  const msg = DICTS[l][key] ?? DICTS.es[key] ?? key;
  if (!params) return msg;
  return msg.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** Placeholder names used by a message, for the completeness test. */
export function placeholders(msg: string): string[] {
  return [...msg.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string).sort();
}

export function formatAge(ms: number, l: Lang = current): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return t('age.s', { n: s }, l);
  if (s < 3600) return t('age.min', { n: Math.floor(s / 60) }, l);
  return t('age.h', { n: Math.floor(s / 3600) }, l);
}

export function formatDistance(m: number, l: Lang = current): string {
  if (m < 1000) return t('dist.m', { n: Math.round(m) }, l);
  const km = (m / 1000).toFixed(1);
  return t('dist.km', { n: l === 'es' ? km.replace('.', ',') : km }, l);
}

/** Clock time in the current language, Lima time zone by the device's setting. */
export function formatTime(ms: number, l: Lang = current): string {
  return new Date(ms).toLocaleTimeString(l === 'es' ? 'es-PE' : 'en-GB');
}
