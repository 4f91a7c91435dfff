import { render } from 'preact';
import { initLang } from '../i18n';
import { SosPage } from './SosPage';
import '../styles/base.css';
import '../styles/citizen.css';

initLang();
render(<SosPage />, document.getElementById('root')!);
