import { useEffect, useState } from 'preact/hooks';
import { lang, onLangChange, setLang, t } from './i18n';

/** Re-render on language change. */
export function useLang(): string {
  const [l, setL] = useState(lang());
  useEffect(() => onLangChange(() => setL(lang())), []);
  return l;
}

export function LangSwitch() {
  useLang();
  return (
    <button type="button" class="lang" lang={lang() === 'es' ? 'en' : 'es'} onClick={() => setLang(lang() === 'es' ? 'en' : 'es')}>
      {t('lang.switch')}
    </button>
  );
}

/** Re-render every `ms` (ages like "hace 2 min"). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const iv = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(iv);
  }, [ms]);
  return now;
}
