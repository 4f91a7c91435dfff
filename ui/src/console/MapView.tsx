import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { AlertSummary, UnitView } from '../api/console-types';
import type { AlertId } from '../api/types';
import { isTerminal } from '../api/types';
import { t, type MessageKey } from '../i18n';
import type { TrackPoint } from '../logic/console-state';
import { KIND_COLOR, KIND_GLYPH, STATUS_RING } from './look';

/** El Porvenir, Trujillo. */
export const CENTER: L.LatLngTuple = [-8.07, -79.0];

/** The tile URL: `?tiles=` (empty for none), else the page's meta tag, else OpenStreetMap. */
export function tileUrl(): string {
  const q = new URLSearchParams(location.search).get('tiles');
  if (q !== null) return q;
  const meta = document.querySelector<HTMLMetaElement>('meta[name="auxilio-tile-url"]')?.content;
  return meta ?? 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';
}

/**
 * What a pin needs (the unit page has no raw first fix: its track starts at
 * `last`). An alert with no `last` has no pin until a position arrives.
 */
export type MapAlert = Pick<AlertSummary, 'id' | 'kind' | 'status' | 'last'> & { fix?: Pick<NonNullable<AlertSummary['fix']>, 'lat' | 'lon'> };

interface Props {
  alerts: MapAlert[];
  tracks: Record<AlertId, TrackPoint[]>;
  units: UnitView[];
  selected: AlertId | null;
  onSelect: (id: AlertId) => void;
}

interface AlertLayers {
  pin: L.Marker;
  circle: L.Circle;
  track: L.Polyline;
  key: string;
}

function pinIcon(a: MapAlert, selected: boolean): L.DivIcon {
  const flash = a.status === 'new' ? ' flash' : '';
  const closed = isTerminal(a.status) ? ' closed' : '';
  const sel = selected ? ' selected' : '';
  return L.divIcon({
    className: `pin${flash}${closed}${sel}`,
    html: `<span class="pin-body" style="background:${KIND_COLOR[a.kind]};border-color:${STATUS_RING[a.status]}">${KIND_GLYPH[a.kind]}</span>`,
    iconSize: [34, 34],
    iconAnchor: [17, 17],
  });
}

function unitIcon(u: UnitView): L.DivIcon {
  return L.divIcon({
    className: `unit-pin ${u.available ? 'available' : 'busy'}`,
    html: `<span>${escapeHtml(u.call_sign.replace(/^\D+/, '') || u.call_sign)}</span>`,
    iconSize: [30, 30],
    iconAnchor: [15, 15],
  });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function MapView({ alerts, tracks, units, selected, onSelect }: Props) {
  const el = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const alertLayers = useRef(new Map<AlertId, AlertLayers>());
  const unitLayers = useRef(new Map<number, L.Marker>());
  const onSelectRef = useRef(onSelect);
  onSelectRef.current = onSelect;
  const [noTiles, setNoTiles] = useState(false);

  useEffect(() => {
    if (!el.current) return;
    const m = L.map(el.current, { center: CENTER, zoom: 15, zoomControl: true, attributionControl: true });
    const url = tileUrl();
    if (url) {
      const tiles = L.tileLayer(url, { maxZoom: 19, attribution: '© OpenStreetMap' });
      let errors = 0;
      tiles.on('tileerror', () => {
        if (++errors >= 4) setNoTiles(true);
      });
      tiles.on('tileload', () => setNoTiles(false));
      tiles.addTo(m);
    } else {
      setNoTiles(true);
    }
    map.current = m;
    return () => {
      m.remove();
      map.current = null;
      alertLayers.current.clear();
      unitLayers.current.clear();
    };
  }, []);

  // Alerts: pin, accuracy circle, track. Updated in place.
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    const seen = new Set<AlertId>();
    for (const a of alerts) {
      // No position yet ("ubicación desconocida"): no pin; the list says whom to call.
      if (!a.last) continue;
      const last = a.last;
      seen.add(a.id);
      const pos: L.LatLngTuple = [last.lat, last.lon];
      const pts = (tracks[a.id] ?? []).map((p) => [p.lat, p.lon] as L.LatLngTuple);
      // Raised with no fix: the path starts at the first position that came.
      const path = pts.length ? (a.fix ? [[a.fix.lat, a.fix.lon] as L.LatLngTuple, ...pts] : pts) : [];
      const key = `${a.status}|${a.kind}|${a.id === selected}|${last.lat},${last.lon},${last.accuracy_m}|${path.length}`;
      const existing = alertLayers.current.get(a.id);
      if (existing) {
        if (existing.key === key) continue;
        existing.pin.setLatLng(pos).setIcon(pinIcon(a, a.id === selected));
        existing.circle.setLatLng(pos).setRadius(last.accuracy_m);
        existing.circle.setStyle({ color: KIND_COLOR[a.kind] });
        existing.track.setLatLngs(path);
        existing.key = key;
        continue;
      }
      const circle = L.circle(pos, { radius: last.accuracy_m, color: KIND_COLOR[a.kind], weight: 2, fillOpacity: 0.12 }).addTo(m);
      const track = L.polyline(path, { color: KIND_COLOR[a.kind], weight: 3, dashArray: '6 6' }).addTo(m);
      const pin = L.marker(pos, {
        icon: pinIcon(a, a.id === selected),
        title: `${t(`kind.${a.kind}` as MessageKey)} · ${t(`status.${a.status}` as MessageKey)}`,
        alt: t(`kind.${a.kind}` as MessageKey),
        zIndexOffset: a.status === 'new' ? 1000 : 0,
        keyboard: true,
      }).addTo(m);
      pin.on('click', () => onSelectRef.current(a.id));
      const el = pin.getElement();
      el?.setAttribute('data-alert', a.id);
      alertLayers.current.set(a.id, { pin, circle, track, key });
    }
    for (const [id, l] of alertLayers.current) {
      if (!seen.has(id)) {
        l.pin.remove();
        l.circle.remove();
        l.track.remove();
        alertLayers.current.delete(id);
      }
    }
    // Keep the data attribute and status on the pin element for tests and styling.
    for (const a of alerts) {
      const e = alertLayers.current.get(a.id)?.pin.getElement();
      if (e) {
        e.setAttribute('data-alert', a.id);
        e.setAttribute('data-status', a.status);
      }
    }
  }, [alerts, tracks, selected]);

  // Units with their availability.
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    const seen = new Set<number>();
    for (const u of units) {
      if (u.lat == null || u.lon == null) continue;
      seen.add(u.id);
      const pos: L.LatLngTuple = [u.lat, u.lon];
      const title = `${u.call_sign} · ${t(u.available ? 'unit.available' : 'unit.busy')}`;
      const existing = unitLayers.current.get(u.id);
      if (existing) {
        existing.setLatLng(pos).setIcon(unitIcon(u));
        existing.options.title = title;
      } else {
        unitLayers.current.set(u.id, L.marker(pos, { icon: unitIcon(u), title, alt: u.call_sign, keyboard: false }).addTo(m));
      }
    }
    for (const [id, mk] of unitLayers.current) {
      if (!seen.has(id)) {
        mk.remove();
        unitLayers.current.delete(id);
      }
    }
  }, [units]);

  // Follow the selected alert.
  useEffect(() => {
    const a = alerts.find((x) => x.id === selected);
    if (a?.last && map.current) map.current.panTo([a.last.lat, a.last.lon]);
  }, [selected]);

  return (
    <div class="map-wrap">
      <div ref={el} class="map" role="region" aria-label={t('console.map')} data-testid="map" />
      {noTiles && <p class="map-note">{t('console.notiles')}</p>}
    </div>
  );
}
