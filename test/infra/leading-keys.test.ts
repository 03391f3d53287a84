/**
 * Each function role writes only the table items of its own capability (`dynamodb:LeadingKeys` on the partition key),
 * checked on the synthesized template: no role can forge another's state — the sweeper's tracks and alert claims,
 * the inventory's history, the keeper's claims, the auditor's findings — and every write a role may make is confined.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../shared/app/functions';
import { associationKey, eipHistoryKey, eipStateKey, eniKey } from '../../shared/inventory/keys';
import { PREFIX } from '../../shared/store/keys';
import { alertKey, DIGEST_SCOPE, idleKey, lastRunKey, releaseKey, trackKey } from '../../shared/sweeper/keys';
import {
  asArray,
  EVERY_SWITCH_ON,
  type PolicyStatement,
  removeAssemblies,
  roleStatements,
  synth,
} from './helpers';

afterAll(removeAssemblies);

const IDS = FUNCTIONS.map((f) => f.id);
const READS = new Set(['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query']);

/** The partitions each role may write, as the template's conditions say them. */
const OWN: Record<string, string[]> = {
  InventoryRecorder: [`${PREFIX.eip}*`, `${PREFIX.eni}*`, `${PREFIX.association}*`],
  Sweeper: [`${PREFIX.sweep}*`],
  Auditor: [`${PREFIX.audit}*`],
  KeeperEvents: [`${PREFIX.pool}*`],
  KeeperReconciler: [`${PREFIX.pool}*`],
};

let roles: Map<string, PolicyStatement[]>;
beforeAll(() => {
  roles = roleStatements(synth(EVERY_SWITCH_ON, {}, undefined, { nag: false }).template, IDS);
});

const dynamo = (id: string) =>
  (roles.get(id) ?? []).filter((st) => asArray(st.Action).some((a) => a.startsWith('dynamodb:')));

describe.each(IDS)('the %s role', (id) => {
  it('writes table items only under its own partition-key prefixes', () => {
    const writes = dynamo(id).filter((st) => asArray(st.Action).some((a) => !READS.has(a)));

    expect(writes).toHaveLength(1);
    expect(writes[0]?.Effect).toBe('Allow');
    expect(writes[0]?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': OWN[id] },
    });
  });

  it('reads without that condition, and its unconditioned statement reads only', () => {
    const unconditioned = dynamo(id).filter((st) => st.Condition === undefined);

    expect(unconditioned).toHaveLength(1);
    expect(asArray(unconditioned[0]?.Action ?? []).filter((a) => !READS.has(a))).toEqual([]);
  });
});

describe('the keys each capability writes', () => {
  const allowed = (id: string, pk: string) => (OWN[id] ?? []).some((p) => pk.startsWith(p.slice(0, -1)));

  it('are all under the Sweeper’s own prefix, for every sweeper item', () => {
    const keys = [
      trackKey('eipalloc-0123456789abcdef0'),
      idleKey('eipalloc-0123456789abcdef0', '2026-01-05T10:00:00.000Z'),
      releaseKey('eipalloc-0123456789abcdef0'),
      alertKey(DIGEST_SCOPE, '2026-01-06'),
      lastRunKey(),
    ];

    expect(keys.filter((k) => !allowed('Sweeper', k.PK))).toEqual([]);
  });

  it('are all under the InventoryRecorder’s own prefixes, for every inventory item', () => {
    const keys = [
      eipStateKey('eipalloc-0123456789abcdef0'),
      eipHistoryKey('eipalloc-0123456789abcdef0', '2026-01-05T10:00:00.000Z', 'e1'),
      eniKey('eni-0123456789abcdef0'),
      associationKey('eipassoc-0123456789abcdef0'),
    ];

    expect(keys.filter((k) => !allowed('InventoryRecorder', k.PK))).toEqual([]);
    expect(keys.filter((k) => allowed('Sweeper', k.PK))).toEqual([]);
  });
});
