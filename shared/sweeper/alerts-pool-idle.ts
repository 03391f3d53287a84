/**
 * The pool-idle alert: a keeper pool member nobody has held for longer than its pool's limit. Pool addresses are
 * never released; the alert asks why the pool's workload does not hold it. The pool's name comes from the address's
 * `eip-keeper:pool` tag: untrusted, quoted in e-mail and a code span in chat.
 */
import { quoted, sentence } from '../notify/sentence';
import type { AddressAlertSpec } from './alerts';
import type { AddressTexts } from './alerts-address';
import { dnsRisk } from './alerts-format';

export function poolIdleTexts(spec: Extract<AddressAlertSpec, { kind: 'pool-idle' }>): AddressTexts {
  const a = spec.address;
  const pool = quoted(a.classification.pool?.name ?? '?', 63);
  const dns = dnsRisk(a);
  return {
    headline: sentence`${a.publicIp}, a member of pool ${pool}, has been idle longer than the pool's ${a.classification.pool?.idleAlertHours ?? '?'} h limit.`,
    risk: dns
      ? [dns]
      : sentence`${a.publicIp} is allowlisted by the partners of pool ${pool} but no workload holds it, so the workload that should send from it is down or cannot get its address.`,
    next: [
      sentence`Pool addresses are never released. Check why no pod of pool ${pool} holds it (the keeper's story and the pool's ENI selector).`,
      [
        'If the pool no longer needs it, remove the eip-keeper:pool tag; it is then treated like any other idle address.',
      ],
    ],
    severity: 'medium',
  };
}
