/**
 * How AWS words a refusal: the sentence every service puts in its access-denied error, and EC2's encoded
 * authorization failure message. AWS encrypts the latter (only `sts:DecodeAuthorizationMessage` reads it); the
 * simulated region encodes the same decoded document as base64 JSON, so a test or a person can read why.
 */
import type { Decision } from './evaluator';
import type { Denial, IamCheck } from './policy';

function reason(check: IamCheck, decision: Decision): string {
  if (decision.explicit) {
    return decision.deniedBy === 'resource'
      ? 'with an explicit deny in a resource-based policy'
      : 'with an explicit deny in an identity-based policy';
  }
  // A KMS key is usable only when its key policy allows it (directly or by delegating to the account's IAM).
  const side = check.action.startsWith('kms:') ? 'resource-based' : 'identity-based';
  return `because no ${side} policy allows the ${check.action} action`;
}

/** The document `sts:DecodeAuthorizationMessage` would return for this refusal. */
export function decodedAuthorizationMessage(check: IamCheck, decision: Decision, principalArn: string) {
  return {
    allowed: false,
    explicitDeny: decision.explicit,
    matchedStatements: { items: decision.statements.map((sid) => ({ statementId: sid })) },
    failures: { items: [] },
    context: {
      principal: { arn: principalArn },
      action: check.action,
      resource: check.resource,
      conditions: {
        items: Object.entries(check.context ?? {}).map(([key, value]) => ({
          key,
          values: { items: (Array.isArray(value) ? value : [value]).map((v) => ({ value: v })) },
        })),
      },
    },
  };
}

export function denialOf(check: IamCheck, decision: Decision, principalArn: string): Denial {
  const on = check.resource === '*' ? '' : ` on resource: ${check.resource}`;
  return {
    check,
    principalArn,
    explicit: decision.explicit,
    ...(decision.deniedBy ? { deniedBy: decision.deniedBy } : {}),
    conditionsOnly: decision.conditionsOnly,
    message: `User: ${principalArn} is not authorized to perform: ${check.action}${on} ${reason(check, decision)}`,
    encoded: Buffer.from(
      JSON.stringify(decodedAuthorizationMessage(check, decision, principalArn)),
      'utf8',
    ).toString('base64'),
  };
}
