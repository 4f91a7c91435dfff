// The browser as a device: its own id and Ed25519 key (kept in
// localStorage), request signing exactly as protocol/src/sign.rs, and
// UUIDv7 alert ids. This lets the /sos page use the same signed phone API
// as the app, enrolled with the code printed on the QR flyer.

import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';

ed.hashes.sha512 = sha512;

const enc = new TextEncoder();

export function b64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromB64url(text: string): Uint8Array {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** "AUXILIO-V1\n" || METHOD || "\n" || PATH || "\n" || BODY */
export function signingInput(method: string, path: string, body: string): Uint8Array {
  return enc.encode(`AUXILIO-V1\n${method}\n${path}\n${body}`);
}

export interface DeviceIdentity {
  deviceId: string;
  seed: Uint8Array;
  publicKeyB64: string;
}

export function newIdentity(): DeviceIdentity {
  const seed = crypto.getRandomValues(new Uint8Array(32));
  return { deviceId: uuidv4(), seed, publicKeyB64: b64url(ed.getPublicKey(seed)) };
}

export function identityFromSeed(deviceId: string, seed: Uint8Array): DeviceIdentity {
  return { deviceId, seed, publicKeyB64: b64url(ed.getPublicKey(seed)) };
}

export function signRequest(id: DeviceIdentity, method: string, path: string, body: string): string {
  return b64url(ed.sign(signingInput(method, path, body), id.seed));
}

export function verifyRequest(publicKeyB64: string, method: string, path: string, body: string, sigB64: string): boolean {
  return ed.verify(fromB64url(sigB64), signingInput(method, path, body), fromB64url(publicKeyB64));
}

function hex(b: Uint8Array): string {
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function uuidv4(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return hex(b);
}

/** Time-ordered id: 48-bit ms timestamp, version 7, random rest. */
export function uuidv7(nowMs: number = Date.now()): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  let t = Math.floor(nowMs);
  for (let i = 5; i >= 0; i--) {
    b[i] = t % 256;
    t = Math.floor(t / 256);
  }
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return hex(b);
}
