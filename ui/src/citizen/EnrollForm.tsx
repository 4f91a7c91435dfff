import { useState } from 'preact/hooks';
import { REPORTER_ROLES, type EnrollResponse, type Fix, type ReporterRole } from '../api/types';
import { t, type MessageKey } from '../i18n';
import { EMPTY_FORM, needsPlace, needsPlate, parseEnrollQr, toProfile, validateEnroll, type EnrollErrors, type EnrollField, type EnrollForm as Form } from '../logic/enroll';
import type { CitizenData } from './data';
import { isDataError } from './data';

interface Props {
  data: CitizenData;
  /** A good current fix, used as the registered place of vendors. */
  placeFix?: () => Fix | null;
  onDone: (r: EnrollResponse) => void;
}

export function EnrollForm({ data, placeFix, onDone }: Props) {
  const fromUrl = parseEnrollQr(new URLSearchParams(location.search).get('enroll') ?? '');
  const [f, setF] = useState<Form>({ ...EMPTY_FORM, code: fromUrl.code, organization: fromUrl.organization ?? '' });
  const [errors, setErrors] = useState<EnrollErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const set = (k: EnrollField, v: string) => setF((x) => ({ ...x, [k]: v }));

  const submit = async (e: Event) => {
    e.preventDefault();
    const errs = validateEnroll(f);
    setErrors(errs);
    if (Object.keys(errs).length) {
      setFormError(t('enroll.errors'));
      const first = Object.keys(errs)[0];
      document.getElementById(`f-${first}`)?.focus();
      return;
    }
    setFormError(null);
    setBusy(true);
    try {
      onDone(await data.enroll(parseEnrollQr(f.code).code, toProfile(f, placeFix?.() ?? null)));
    } catch (err) {
      const kind = isDataError(err) ? err.kind : 'internal';
      if (kind === 'bad_code') setErrors({ code: 'err.code.rejected' });
      setFormError(t(kind === 'bad_code' ? 'err.code.rejected' : kind === 'network' ? 'err.network' : 'err.server'));
    } finally {
      setBusy(false);
    }
  };

  const field = (k: EnrollField, label: MessageKey, attrs: Record<string, unknown> = {}, hint?: MessageKey) => (
    <div class="field">
      <label for={`f-${k}`}>{t(label)}</label>
      <input
        id={`f-${k}`}
        name={k}
        value={f[k]}
        onInput={(e) => set(k, (e.currentTarget as HTMLInputElement).value)}
        aria-invalid={errors[k] ? 'true' : undefined}
        aria-describedby={errors[k] ? `e-${k}` : hint ? `h-${k}` : undefined}
        {...attrs}
      />
      {hint && !errors[k] && (
        <small id={`h-${k}`} class="hint">
          {t(hint)}
        </small>
      )}
      {errors[k] && (
        <small id={`e-${k}`} class="field-error">
          {t(errors[k]!)}
        </small>
      )}
    </div>
  );

  return (
    <main class="citizen enroll">
      <h1>{t('enroll.title')}</h1>
      <p>{t('enroll.intro')}</p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        {field('code', 'enroll.code', { autocomplete: 'off', autocapitalize: 'characters' })}
        {field('name', 'enroll.name', { autocomplete: 'name' })}
        {field('dni', 'enroll.dni', { inputMode: 'numeric', maxLength: 8, autocomplete: 'off' })}
        {field('phone', 'enroll.phone', { type: 'tel', inputMode: 'tel', autocomplete: 'tel' })}
        <div class="field">
          <label for="f-role">{t('enroll.role')}</label>
          <select id="f-role" value={f.role} onChange={(e) => setF((x) => ({ ...x, role: (e.currentTarget as HTMLSelectElement).value as ReporterRole }))}>
            {REPORTER_ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}` as MessageKey)}
              </option>
            ))}
          </select>
        </div>
        {field('organization', 'enroll.organization', { autocomplete: 'organization' }, 'enroll.organization.hint')}
        {needsPlate(f.role) && field('plate', 'enroll.plate', { autocapitalize: 'characters', maxLength: 12 })}
        {needsPlace(f.role) && field('placeName', 'enroll.place')}
        {formError && (
          <p class="banner danger" role="alert" data-testid="enroll-error">
            {formError}
          </p>
        )}
        <button type="submit" class="btn-primary" disabled={busy}>
          {busy ? t('enroll.submitting') : t('enroll.submit')}
        </button>
      </form>
    </main>
  );
}
