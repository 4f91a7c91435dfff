import { render } from 'preact';
import { initLang } from '../i18n';
import { AppPage } from './AppPage';
import '../styles/base.css';
import '../styles/citizen.css';

initLang();
render(<AppPage />, document.getElementById('root')!);
