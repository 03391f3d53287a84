/**
 * Who made a call, summarised from CloudTrail's `userIdentity` (see the CloudTrail userIdentity element reference:
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html).
 * Pure: no AWS import, no I/O.
 */
import { asObject, readClipped, withDefined } from './readers';

/** Who made the call, summarised from CloudTrail's `userIdentity`. */
export interface Actor {
  /** `IAMUser`, `AssumedRole`, `Root`, `AWSService`, `FederatedUser`, ... or `Unknown` when absent. */
  type: string;
  arn?: string;
  principalId?: string;
  accountId?: string;
  /** IAM user name; for an assumed role, the role name (from `sessionContext.sessionIssuer`). */
  userName?: string;
  /** Assumed role: the role's ARN (`sessionContext.sessionIssuer.arn`). */
  roleArn?: string;
  /** Assumed role: the session name (last segment of the `assumed-role` ARN). */
  sessionName?: string;
  /** The AWS service that made the call on the principal's behalf (e.g. `eks.amazonaws.com`). */
  invokedBy?: string;
}

/** Summarises CloudTrail's `userIdentity`, including the role behind an assumed-role session. */
export function summarizeActor(userIdentity: unknown): Actor {
  const ui = asObject(userIdentity);
  if (!ui) return { type: 'Unknown' };
  const arn = readClipped(ui.arn);
  // readClipped gives a non-empty string or undefined: only what the identity really names is kept.
  const actor = withDefined<Actor>(
    { type: readClipped(ui.type, 64) ?? 'Unknown' },
    {
      arn,
      principalId: readClipped(ui.principalId),
      accountId: readClipped(ui.accountId, 64),
      userName: readClipped(ui.userName),
      invokedBy: readClipped(ui.invokedBy),
    },
  );
  const issuer = asObject(asObject(ui.sessionContext)?.sessionIssuer);
  if (issuer) {
    const roleArn = readClipped(issuer.arn);
    if (roleArn) actor.roleArn = roleArn;
    const roleName = readClipped(issuer.userName) ?? roleArn?.split('/').pop();
    if (roleName && !actor.userName) actor.userName = roleName;
  }
  const assumed = arn?.match(/:assumed-role\/([^/]+)\/(.+)$/);
  if (assumed) {
    actor.sessionName = assumed[2];
    if (!actor.userName && assumed[1]) actor.userName = assumed[1];
  }
  return actor;
}

/** A short human description: `alice`, `role eks-cluster-role (via eks.amazonaws.com)`, `service ec2.amazonaws.com`. */
export function describeActor(actor: Actor): string {
  const via = actor.invokedBy ? ` (via ${actor.invokedBy})` : '';
  switch (actor.type) {
    case 'IAMUser':
      return `${actor.userName ?? actor.arn ?? 'IAM user'}${via}`;
    case 'AssumedRole':
      return `role ${actor.userName ?? actor.arn ?? '?'}${actor.sessionName ? ` session ${actor.sessionName}` : ''}${via}`;
    case 'Root':
      return `root of ${actor.accountId ?? 'the account'}`;
    case 'AWSService':
      return `service ${actor.invokedBy ?? '?'}`;
    default:
      return `${actor.type} ${actor.arn ?? actor.principalId ?? ''}`.trim() + via;
  }
}
