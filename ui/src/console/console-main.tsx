import { render } from 'preact';
import { initLang } from '../i18n';
import { ConsoleApp } from './ConsoleApp';
import '../styles/base.css';
import '../styles/console.css';

initLang();
render(<ConsoleApp />, document.getElementById('root')!);
