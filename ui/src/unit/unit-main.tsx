import { render } from 'preact';
import { initLang } from '../i18n';
import { UnitApp } from './UnitApp';
import '../styles/base.css';
import '../styles/console.css';
import '../styles/unit.css';

initLang();
render(<UnitApp />, document.getElementById('root')!);
