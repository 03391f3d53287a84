/**
 * Where the last Reachability Analyzer proof of each pool's egress lives between audits (interface;
 * `dynamo-proof-store.ts` implements it on the single table): what was analysed, for which fingerprint of the pool,
 * and what AWS answered, so an unchanged pool is never analysed (and billed) again.
 */
import type { ProofRecord } from './model';

export interface ProofStore {
  /** The pool's last proof, finished or still running. */
  get(cluster: string, pool: string): Promise<ProofRecord | undefined>;
  /** Replaces the pool's proof. */
  put(cluster: string, record: ProofRecord): Promise<void>;
}
