/**
 * The former-pool-member alert: an address that was in a keeper pool, lost its pool tag and sits idle. Its partners
 * may still allowlist it, so the sweep never releases it; the alert says who removed the tag and when, and the three
 * ways out (back into the pool, approve its release by configuration, keep it). The pool name and the actor are
 * untrusted: quoted or inline in e-mail, code spans in chat.
 */
import { inline, quoted, type Sentence, sentence } from '../notify/sentence';
import type { AddressAlertSpec, AlertContext } from './alerts';
import type { AddressTexts } from './alerts-address';
import { dnsRisk, formatTime } from './alerts-format';
import { KEEP_TAG, POOL_TAG } from './model';

type FormerSpec = Extract<AddressAlertSpec, { kind: 'former-pool-member' }>;

/** How the sweeper knows it was a pool member, in a clause. */
export function formerPoolEvidence(spec: Pick<AddressAlertSpec, 'address'>): Sentence {
  const fp = spec.address.classification.formerPool;
  if (!fp) return [];
  const at = fp.untaggedAt ? ` at ${formatTime(fp.untaggedAt)}` : '';
  switch (fp.evidence) {
    case 'tag-removed':
      return fp.untaggedBy
        ? sentence`pool tag removed by ${inline(fp.untaggedBy, 300)}${at}`
        : sentence`pool tag removed${at}`;
    case 'tag-history':
      return sentence`its CloudTrail history shows it tagged into a pool; the tag is gone${at}`;
    case 'keeper-association':
      return sentence`the keeper associated it at ${formatTime(fp.keeperAssociatedAt ?? '')} (the keeper associates pool members only); its pool tag is gone${at}`;
    case 'seen-tagged':
      return sentence`an earlier sweep saw its pool tag; the tag is gone${at}`;
  }
}

/** The pool it was in, as a sentence part: `pool "payments"`, or `a pool` when no name is known. */
export function formerPoolName(spec: Pick<AddressAlertSpec, 'address'>): Sentence {
  const pool = spec.address.classification.formerPool?.pool;
  return pool ? sentence`pool ${quoted(pool, 63)}` : ['a pool'];
}

export function formerPoolTexts(spec: FormerSpec, ctx: AlertContext): AddressTexts {
  const a = spec.address;
  const fp = a.classification.formerPool;
  const keep = `tag it ${KEEP_TAG} (any value): aws ec2 create-tags --region ${ctx.region} --resources ${a.allocationId} --tags Key=${KEEP_TAG},Value=true`;
  const release = fp?.approved
    ? ctx.release.enabled
      ? 'Its release is approved (sweeper.release.approvedFormerPoolMembers): a release notice follows, and it is released after the notice period, with every check an orphan gets.'
      : 'Its release is approved (sweeper.release.approvedFormerPoolMembers), but release is off (sweeper.release.enabled=false).'
    : `To release it: once no partner allowlists ${a.publicIp}, list it in sweeper.release.approvedFormerPoolMembers with its allocation id and public IP and deploy; it is then released after its own notice, like an orphan.`;
  return {
    headline: sentence`${a.publicIp} was a member of ${formerPoolName(spec)} and is idle without its pool tag: ${formerPoolEvidence(spec)}.`,
    risk: [
      dnsRisk(a) ??
        `Partners of the pool may still allowlist ${a.publicIp}: released, it would go to whichever AWS customer AWS hands it to next, trusted by them.`,
    ],
    next: [
      ['eip-keeper never releases a former pool member on its own.'],
      [
        `If it belongs in its pool, tag it again: aws ec2 create-tags --region ${ctx.region} --resources ${a.allocationId} --tags Key=${POOL_TAG},Value=<pool name>`,
      ],
      [release],
      [`To keep it and silence this alert: ${keep}`],
    ],
    severity: 'high',
  };
}
