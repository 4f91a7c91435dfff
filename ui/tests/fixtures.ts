// The shared policy tables in `fixtures/` at the repository root, which
// core's Rust tests read too (see fixtures/README.md).

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(resolve(import.meta.dirname, '../../fixtures', name), 'utf8')) as T;
}
