import { useEffect, useMemo, useState } from 'preact/hooks';
import { t } from '../i18n';
import { LangSwitch, useLang } from '../common';
import { CitizenScreen, holdConfigFromUrl } from './CitizenScreen';
import type { CitizenData } from './data';
import { EnrollForm } from './EnrollForm';
import { BrowserGeo } from './geo';
import { TauriCitizenData, inTauri } from './tauri';
import { WebCitizenData } from './web';

/** The installed app (Tauri); in a plain browser it falls back to the web data layer for development. */
export function AppPage() {
  useLang();
  const geo = useMemo(() => new BrowserGeo(), []);
  const data: CitizenData = useMemo(() => (inTauri() ? new TauriCitizenData() : new WebCitizenData(geo)), [geo]);
  const [enrolled, setEnrolled] = useState<boolean | null>(null);
  const [done, setDone] = useState(false);

  useEffect(() => {
    if (data.platform === 'web') geo.start();
    void data.isEnrolled().then(setEnrolled, () => setEnrolled(false));
  }, [data]);

  return (
    <>
      <header class="top">
        <h1>{t('app.title')}</h1>
        <LangSwitch />
      </header>
      {enrolled === false && (
        <EnrollForm
          data={data}
          placeFix={() => geo.fix()}
          onDone={() => {
            setEnrolled(true);
            setDone(true);
          }}
        />
      )}
      {enrolled && (
        <>
          {done && (
            <p class="banner info page-banner" role="status">
              {t('enroll.done')}
            </p>
          )}
          <CitizenScreen data={data} hold={holdConfigFromUrl()} footer={<p class="note">{t('sms.note')}</p>} />
        </>
      )}
    </>
  );
}
