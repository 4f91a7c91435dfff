import { describe, expect, it } from 'vitest';
import { fromB64url, newIdentity, signRequest, signingInput, uuidv7, verifyRequest } from '../src/citizen/web-device';

describe('browser device identity', () => {
  it('signs the canonical input and the signature verifies only for those bytes', () => {
    const id = newIdentity();
    const body = '{"v":1}';
    const sig = signRequest(id, 'POST', '/api/v1/alerts', body);
    expect(sig).toHaveLength(86); // 64 bytes, base64url without padding
    expect(fromB64url(id.publicKeyB64)).toHaveLength(32);
    expect(verifyRequest(id.publicKeyB64, 'POST', '/api/v1/alerts', body, sig)).toBe(true);
    expect(verifyRequest(id.publicKeyB64, 'POST', '/api/v1/positions', body, sig)).toBe(false);
    expect(verifyRequest(id.publicKeyB64, 'POST', '/api/v1/alerts', '{"v":2}', sig)).toBe(false);
  });
  it('builds the signing input like protocol/src/sign.rs', () => {
    expect(new TextDecoder().decode(signingInput('GET', '/api/v1/alerts/x/status', ''))).toBe('AUXILIO-V1\nGET\n/api/v1/alerts/x/status\n');
  });
  it('makes UUIDv7 ids that sort by time', () => {
    const a = uuidv7(1_780_000_000_000);
    const b = uuidv7(1_780_000_000_001);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.slice(0, 13) < b.slice(0, 13)).toBe(true);
    expect(a.slice(0, 8)).toBe((1_780_000_000_000).toString(16).padStart(12, '0').slice(0, 8));
  });
});
