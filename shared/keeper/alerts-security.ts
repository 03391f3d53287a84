/**
 * The keeper's security alerts as notifications (shared/notify renders them; no AWS import): an ENI that looks like a
 * pool's pod ENI but is not a proven one, a pool tag added to or removed from an address, a tagged address that is not
 * an approved member, and a pool address displaced from its pod by an association eip-keeper did not make. ENI ids,
 * actor names, descriptions and the reasons built from them are untrusted: everything goes through
 * shared/notify/sentence.ts (quoted or inline in e-mail, code spans in chat).
 */
import type { Notification } from '../notify/notification';
import { asMarkdown, asText, inline, quoted, type Sentence, sentence } from '../notify/sentence';
import { envelope, prefixed } from './alerts';
import type { Target } from './model';

interface Origin {
  pool: string;
  region: string;
  accountId: string;
  /** When it was detected (or, for a tag change, when the call was made). */
  at: string;
}

/** Sections of sentences, said in e-mail (sections of lines) and chat (one line each). */
function said(sections: Sentence[][]): Pick<Notification, 'body'> & { chatLines: string[] } {
  return {
    body: sections.map((section) => section.map(asText)),
    chatLines: sections.flat().map(asMarkdown),
  };
}

/** What every security alert shares: the envelope, the pool's chat thread and the `security` keyword. */
function securityAlert(
  kind: Notification['kind'],
  subject: string,
  info: Origin,
  text: ReturnType<typeof said>,
  parts: Pick<Notification, 'dedupKey' | 'resources' | 'facts'> & { context: Record<string, string> },
): Notification {
  return {
    ...envelope(kind, subject, info),
    dedupKey: parts.dedupKey,
    resources: parts.resources,
    facts: parts.facts,
    body: text.body,
    chat: {
      description: text.chatLines,
      threadId: `eip-keeper-pool-${info.pool}`,
      keywords: [info.pool, 'security'],
      context: { pool: info.pool, ...parts.context },
    },
  };
}

const ids = (list: readonly string[]): Sentence =>
  list.length === 0 ? sentence`none` : sentence`${inline(list.join(', '), 600)}`;

export interface UnprovenEniInfo extends Origin {
  cluster: string;
  eniId: string;
  vpcId?: string;
  subnetId?: string;
  securityGroupIds: string[];
  description: string;
  /** Who created it (CloudTrail), as `describeActor` says it; absent when eip-keeper has no record. */
  creator?: string;
  createdAt?: string;
  /** Why it is not a proven pod. */
  reasons: string[];
}

export function unprovenEniAlert(prefix: string, info: UnprovenEniInfo): Notification {
  const subject = prefixed(prefix, `pool ${info.pool}: an ENI looks like a pod ENI but is not one`);
  const eni = inline(info.eniId, 64);
  const text = said([
    [
      sentence`An ENI matches the selector of pool ${info.pool} (cluster ${info.cluster}) in ${info.region} (account ${info.accountId}), but it is not a proven pod ENI of ${info.cluster}: eip-keeper gave ${eni} no pool address.`,
    ],
    [sentence`Why it is not a pod of the cluster:`, ...info.reasons.map((r) => sentence`  - ${inline(r)}`)],
    [
      info.creator
        ? sentence`Created by ${inline(info.creator)}${info.createdAt ? sentence` at ${inline(info.createdAt, 40)}` : ''} (CloudTrail).`
        : sentence`Created by: unknown (eip-keeper has no CloudTrail record of its creation).`,
      sentence`Its VPC ${inline(info.vpcId ?? 'unknown', 64)}, subnet ${inline(info.subnetId ?? 'unknown', 64)}, security groups ${ids(info.securityGroupIds)}.`,
      sentence`Description ${quoted(info.description, 128)}.`,
    ],
    [
      sentence`What to do: whoever created it can make ENIs that look like pod ENIs, and partners trust the pool's addresses. Look up its CreateNetworkInterface in CloudTrail; if it is not your cluster's, delete it (aws ec2 delete-network-interface --network-interface-id ${eni}) and review who is allowed ec2:CreateNetworkInterface and ec2:CreateTags.`,
    ],
  ]);
  return securityAlert('unproven-eni', subject, info, text, {
    dedupKey: `unproven-eni#${info.pool}#${info.eniId}`,
    resources: [info.eniId, ...(info.subnetId ? [info.subnetId] : []), ...info.securityGroupIds],
    facts: {
      pool: info.pool,
      cluster: info.cluster,
      eniId: info.eniId,
      ...(info.vpcId ? { vpcId: info.vpcId } : {}),
      ...(info.subnetId ? { subnetId: info.subnetId } : {}),
      securityGroupIds: info.securityGroupIds.join(','),
      ...(info.creator ? { creator: info.creator } : {}),
      ...(info.createdAt ? { createdAt: info.createdAt } : {}),
      reasons: info.reasons.join('; '),
    },
    context: { eniId: info.eniId },
  });
}

export interface PoolTagChangeInfo extends Origin {
  change: 'added' | 'removed';
  allocationId: string;
  /** Who made the call (`describeActor`). */
  by: string;
  eventId: string;
  /** Listed in the pool's members. */
  listed: boolean;
}

export function poolTagChangedAlert(prefix: string, info: PoolTagChangeInfo): Notification {
  const added = info.change === 'added';
  const subject = prefixed(
    prefix,
    `pool ${info.pool}: pool tag ${added ? 'added to' : 'removed from'} an Elastic IP${added && !info.listed ? ' not approved' : ''}`,
  );
  const alloc = inline(info.allocationId, 64);
  const consequence = added
    ? info.listed
      ? sentence`It is listed in the pool's members: it is a member again, and eip-keeper may give it to a pod.`
      : sentence`It is not listed in the pool's members: eip-keeper never hands it out. If it should be a member, add it to the pool's members and deploy; if not, remove the tag.`
    : info.listed
      ? sentence`It is a listed member: eip-keeper can no longer give it to pods (IAM lets it associate only addresses tagged with a pool's name). If that was not intended, tag it again: aws ec2 create-tags --resources ${alloc} --tags Key=eip-keeper:pool,Value=${info.pool}`
      : sentence`It was not a listed member: nothing changes for the pool.`;
  const text = said([
    [
      sentence`Pool tag ${added ? 'added' : 'removed'}: ${inline(info.by)} ${added ? 'tagged' : 'removed the tag'} eip-keeper:pool=${info.pool} ${added ? 'on' : 'from'} Elastic IP ${alloc} at ${inline(info.at, 40)} (CloudTrail event ${inline(info.eventId, 128)}).`,
    ],
    [consequence],
  ]);
  return securityAlert(
    added && !info.listed ? 'pool-member-unapproved' : 'pool-tag-changed',
    subject,
    info,
    text,
    {
      // An unapproved address tagged into the pool is the same alert the reconciler sends when it finds one.
      dedupKey:
        added && !info.listed
          ? unapprovedKey(info.pool, info.allocationId)
          : `pool-tag#${info.pool}#${info.eventId}#${info.allocationId}`,
      resources: [info.allocationId],
      facts: {
        pool: info.pool,
        change: info.change,
        allocationId: info.allocationId,
        by: info.by,
        eventId: info.eventId,
        listed: info.listed,
      },
      context: { allocationId: info.allocationId },
    },
  );
}

export const unapprovedKey = (pool: string, allocationId: string) => `unapproved#${pool}#${allocationId}`;

export interface UnapprovedMemberInfo extends Origin {
  allocationId: string;
  publicIp: string;
  /** Where EC2 shows it associated, if it is. */
  associatedWith?: string;
}

export function unapprovedMemberAlert(prefix: string, info: UnapprovedMemberInfo): Notification {
  const subject = prefixed(
    prefix,
    `pool ${info.pool}: an Elastic IP is tagged into the pool but not approved`,
  );
  const text = said([
    [
      sentence`Elastic IP ${inline(info.publicIp, 64)} (${inline(info.allocationId, 64)}) is tagged eip-keeper:pool=${info.pool} but is not listed in the pool's members: eip-keeper never hands it out.`,
      info.associatedWith
        ? sentence`It is associated with ${inline(info.associatedWith, 128)}.`
        : sentence`It is not associated.`,
    ],
    [
      sentence`Anyone allowed ec2:CreateTags can tag an address into a pool; only the configuration approves members. If it should be a member, add it to the pool's members and deploy; if not, remove the tag and find who added it (CloudTrail CreateTags).`,
    ],
  ]);
  return securityAlert('pool-member-unapproved', subject, info, text, {
    dedupKey: unapprovedKey(info.pool, info.allocationId),
    resources: [info.allocationId, info.publicIp],
    facts: {
      pool: info.pool,
      allocationId: info.allocationId,
      publicIp: info.publicIp,
      ...(info.associatedWith ? { associatedWith: info.associatedWith } : {}),
    },
    context: { allocationId: info.allocationId },
  });
}

export interface DisplacedInfo extends Origin {
  allocationId: string;
  publicIp: string;
  /** The pod target eip-keeper had given it to. */
  holder: Target;
  /** The public IP the target holds now, if any. */
  nowHolds?: string;
}

export function displacedAlert(prefix: string, info: DisplacedInfo): Notification {
  const subject = prefixed(prefix, `pool ${info.pool}: ${info.publicIp} was displaced from a pod`);
  const eni = inline(info.holder.eniId, 64);
  const ip = inline(info.publicIp, 64);
  const text = said([
    [
      sentence`Pool address ${ip} (${inline(info.allocationId, 64)}) was on pod ENI ${eni} (${inline(info.holder.privateIp, 64)}). An association eip-keeper did not make put ${inline(info.nowHolds ?? 'another address', 64)} on that IP, and AWS took ${ip} off silently (AssociateAddress displaces the address already on its target, whatever AllowReassociation says).`,
    ],
    [
      sentence`eip-keeper never displaces an address: ${ip} is free in the pool again, and the pod keeps the address it was given, which partners may not trust.`,
      sentence`Find who associated it (CloudTrail AssociateAddress on ${eni}) and disassociate it if it is not yours; the pod is then served again.`,
    ],
  ]);
  return securityAlert('pool-eip-displaced', subject, info, text, {
    dedupKey: `displaced#${info.pool}#${info.allocationId}#${info.holder.eniId}#${info.holder.privateIp}`,
    resources: [info.allocationId, info.publicIp, info.holder.eniId],
    facts: {
      pool: info.pool,
      allocationId: info.allocationId,
      publicIp: info.publicIp,
      eniId: info.holder.eniId,
      privateIp: info.holder.privateIp,
      ...(info.nowHolds ? { nowHolds: info.nowHolds } : {}),
    },
    context: { allocationId: info.allocationId, publicIp: info.publicIp },
  });
}
