/**
 * The synthesized templates, kept on disk between processes (node_modules/.cache/eip-keeper-iam/): every test file
 * runs in its own process, and synthesis (loading the CDK, then building the stack) costs seconds each time. An
 * entry's key hashes everything synthesis reads: the configuration, account and region, the stack's source (infra/,
 * shared/), cdk.json, the locked dependency versions and the extraction code, so any change to them misses.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../shared/runtime/package-root';

const ROOT = packageRoot();
const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'eip-keeper-iam');
/** What synthesis depends on besides the configuration. */
const SOURCES = ['infra', 'shared', 'cdk.json', 'package-lock.json', 'local/iam/stack-policies.ts'];

function filesUnder(path: string): string[] {
  const full = join(ROOT, path);
  try {
    return readdirSync(full, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name))
      .sort();
  } catch {
    return [full];
  }
}

let sourceHash: string | undefined;

/** One hash of the sources, computed once per process (a few milliseconds). */
function sourcesDigest(): string {
  if (!sourceHash) {
    const h = createHash('sha256');
    for (const file of SOURCES.flatMap(filesUnder)) h.update(file).update(readFileSync(file));
    sourceHash = h.digest('hex');
  }
  return sourceHash;
}

function entryPath(inputs: unknown): string {
  const key = createHash('sha256').update(sourcesDigest()).update(JSON.stringify(inputs)).digest('hex');
  return join(CACHE_DIR, `${key.slice(0, 32)}.json`);
}

/** The cached value for these inputs, or undefined. */
export function readCached<T>(inputs: unknown): T | undefined {
  try {
    return JSON.parse(readFileSync(entryPath(inputs), 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Stores a value for these inputs (written whole, then renamed: parallel test processes may race). */
export function writeCached(inputs: unknown, value: unknown): void {
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    const path = entryPath(inputs);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, path);
  } catch {
    // A cache that cannot be written only costs the next process a synthesis.
  }
}
