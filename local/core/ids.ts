import type { IdFactory } from './types';

/** Deterministic resource ids, so the same scenario prints the same ids every run. */
export function createIdFactory(seed = 1): IdFactory {
  let counter = 0;
  let uuidCounter = 0;
  const seedHex = (seed >>> 0).toString(16).padStart(4, '0').slice(-4);
  return {
    next(prefix: string): string {
      counter += 1;
      return `${prefix}-0${seedHex}${counter.toString(16).padStart(12, '0')}`;
    },
    uuid(): string {
      uuidCounter += 1;
      const n = uuidCounter.toString(16).padStart(12, '0');
      return `5e1a${seedHex}-0000-4000-8000-${n}`;
    },
  };
}
