import type { AlertKind, AlertStatus } from '../api/types';

/** Fill colour by kind (all dark enough for white text, AA). */
export const KIND_COLOR: Record<AlertKind, string> = {
  sos: '#b3001b',
  asalto: '#c2185b',
  extorsion: '#6a1b9a',
  violencia: '#ad1457',
  emergencia_medica: '#0a4fa8',
  incendio: '#b33c00',
  accidente: '#7a5200',
};

/** Ring colour by state. */
export const STATUS_RING: Record<AlertStatus, string> = {
  new: '#000000',
  acknowledged: '#0a4fa8',
  dispatched: '#0b6b2e',
  en_route: '#0b6b2e',
  on_scene: '#0b6b2e',
  resolved: '#767676',
  cancelled: '#767676',
};

/** Short symbol per kind for pins (colour is never the only cue). */
export const KIND_GLYPH: Record<AlertKind, string> = {
  sos: '!',
  asalto: 'A',
  extorsion: 'E',
  violencia: 'V',
  emergencia_medica: '+',
  incendio: 'F',
  accidente: 'X',
};
