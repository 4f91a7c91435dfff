import { useEffect, useMemo, useState } from 'preact/hooks';
import { formatDistance, t } from '../i18n';
import { LangSwitch, useLang } from '../common';
import { normalizePhone } from '../logic/enroll';
import { CitizenScreen, holdConfigFromUrl } from './CitizenScreen';
import type { AlertId } from '../api/types';
import type { DataError } from './data';
import { BrowserGeo, type GeoState } from './geo';
import { WebCitizenData } from './web';

function GeoLine({ geo }: { geo: BrowserGeo }) {
  const [s, setS] = useState<GeoState>(geo.current);
  useEffect(() => geo.subscribe(setS), [geo]);
  const msg =
    s.state === 'ready'
      ? t('web.located', { acc: formatDistance(s.fix.accuracy_m) })
      : s.state === 'locating'
        ? t('web.locating')
        : s.state === 'denied'
          ? t('web.loc.denied')
          : s.state === 'refused'
            ? t('web.loc.refused')
            : t('web.loc.unavailable');
  return (
    <div class={`geo ${s.state}`} role="status" data-testid="geo" data-state={s.state}>
      <span>{msg}</span>
      {(s.state === 'denied' || s.state === 'refused' || s.state === 'unavailable') && (
        <button type="button" class="btn-plain" onClick={() => geo.restart()}>
          {t('web.loc.retry')}
        </button>
      )}
    </div>
  );
}

function Contact({ data, onChange }: { data: WebCitizenData; onChange: () => void }) {
  const urlCode = new URLSearchParams(location.search).get('code') ?? '';
  const [saved, setSaved] = useState<{ name: string; phone: string; code: string } | null>(null);
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState(urlCode);
  const [err, setErr] = useState<Record<string, string>>({});

  useEffect(() => {
    void data.profile().then((p) => {
      const c = data.code();
      if (p && c) {
        setSaved({ name: p.display_name, phone: p.phone, code: c });
        setName(p.display_name);
        setPhone(p.phone);
        if (!urlCode) setCode(c);
      }
    });
  }, [data]);

  const save = (e: Event) => {
    e.preventDefault();
    const errors: Record<string, string> = {};
    const ph = normalizePhone(phone);
    if (!phone.trim()) errors.phone = t('err.required');
    else if (!ph) errors.phone = t('err.phone');
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(code.trim())) errors.code = code.trim() ? t('err.code') : t('err.required');
    setErr(errors);
    if (Object.keys(errors).length || !ph) return;
    // Only the mobile is required: it is how the central calls back.
    const display = name.trim() || t('web.anonymous');
    data.setContact(code.trim(), { display_name: display, phone: ph, role: 'resident' });
    setSaved({ name: display, phone: ph, code: code.trim() });
    onChange();
  };

  if (saved) {
    return (
      <p class="contact-saved" data-testid="contact-saved">
        {saved.name} · {saved.phone}{' '}
        <button type="button" class="btn-link" onClick={() => setSaved(null)}>
          ✎
          <span class="sr-only">{t('web.contact')}</span>
        </button>
      </p>
    );
  }
  const input = (id: string, label: string, value: string, set: (v: string) => void, attrs: Record<string, unknown> = {}) => (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} value={value} onInput={(e) => set((e.currentTarget as HTMLInputElement).value)} aria-invalid={err[id] ? 'true' : undefined} aria-describedby={err[id] ? `${id}-e` : undefined} {...attrs} />
      {err[id] && (
        <small id={`${id}-e`} class="field-error">
          {err[id]}
        </small>
      )}
    </div>
  );
  return (
    <form class="contact" onSubmit={save} noValidate data-testid="contact">
      <h2>{t('web.contact')}</h2>
      <p class="hint">{t('web.contact.hint')}</p>
      {input('phone', t('enroll.phone'), phone, setPhone, { type: 'tel', inputMode: 'tel', autocomplete: 'tel' })}
      {input('name', t('web.name.optional'), name, setName, { autocomplete: 'name' })}
      {!urlCode && input('code', t('enroll.code'), code, setCode, { autocomplete: 'off' })}
      <button type="submit" class="btn-primary">
        OK
      </button>
    </form>
  );
}

export function SosPage() {
  useLang();
  const geo = useMemo(() => new BrowserGeo(), []);
  const data = useMemo(() => new WebCitizenData(geo), [geo]);
  const [ready, setReady] = useState(false);
  const check = () => void data.profile().then((p) => setReady(!!p && !!data.code()));
  useEffect(() => {
    geo.start();
    check();
  }, []);

  const errorText = (e: DataError) => (e.kind === 'not_enrolled' ? t('web.contact') : t('sos.error', { reason: e.message }));
  // No position is no reason to hold an SOS back: it leaves with the phone number.
  const sentNote = (id: AlertId) =>
    data.sentWithoutPosition(id) ? (
      <p class="banner warn" role="status" data-testid="sent-nopos">
        {t('web.sending.nopos')}
      </p>
    ) : null;

  return (
    <>
      <header class="top">
        <h1>{t('web.title')}</h1>
        <LangSwitch />
      </header>
      <CitizenScreen
        data={data}
        hold={holdConfigFromUrl()}
        canFire={ready}
        errorText={errorText}
        sentNote={sentNote}
        header={
          <>
            <GeoLine geo={geo} />
            {/* First visit: the one required detail comes before the button. */}
            {!ready && <Contact data={data} onChange={check} />}
          </>
        }
        footer={
          <>
            {ready && <Contact data={data} onChange={check} />}
            <p class="note" data-testid="app-note">
              {t('web.note')}
            </p>
            <a class="btn-plain call" href="tel:105">
              {t('web.call')}
            </a>
          </>
        }
      />
    </>
  );
}
