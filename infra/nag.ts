/**
 * cdk-nag v3 acknowledgements. v3 dropped `NagSuppressions`: a finding is acknowledged with CDK's own
 * `Validations.of(construct).acknowledge({ id, reason })` on the resource or an ancestor, and every IAM wildcard is
 * its own finding, `AwsSolutions-IAM5[Resource::<flattened ARN>]` or `AwsSolutions-IAM5[Action::<action>]`.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Flattens a resolved CloudFormation value the way cdk-nag names findings: `Fn::GetAtt` → `<Logical.Attr>`,
 * `Ref` → `<Logical>`, `Fn::Join` joined, `${X}` of `Fn::Sub` → `<X>` (mirrors cdk-nag's flattenCfnReference).
 */
export function flattenCfnReference(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const o = node as Record<string, unknown>;
    if (o['Fn::Join']) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(flattenCfnReference).join(delimiter);
    }
    if (o['Fn::Sub']) return flattenCfnReference(o['Fn::Sub']);
    if (o['Fn::GetAtt']) {
      const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenCfnReference(resource)}.${flattenCfnReference(attribute)}>`;
    }
    if (o['Fn::ImportValue']) return flattenCfnReference(o['Fn::ImportValue']);
    if (o.Ref) return `<${flattenCfnReference(o.Ref)}>`;
  }
  return JSON.stringify(node);
}

/** The IAM5 finding id cdk-nag reports for a wildcard resource ARN (tokens allowed) used in `scope`'s stack. */
export function iam5ResourceFindingId(scope: IConstruct, arn: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(arn))}]`;
}

/** The IAM5 finding id for a wildcard action. */
export function iam5ActionFindingId(action: string): string {
  return `AwsSolutions-IAM5[Action::${action}]`;
}

/**
 * Acknowledges findings on `scope`, merging the reasons of duplicate ids (one finding, several statements needing
 * the same wildcard).
 */
export function acknowledge(
  scope: IConstruct,
  findings: ReadonlyArray<{ id: string; reason: string }>,
): void {
  const byId = new Map<string, string[]>();
  for (const { id, reason } of findings) {
    const reasons = byId.get(id) ?? [];
    if (!reasons.includes(reason)) reasons.push(reason);
    byId.set(id, reasons);
  }
  for (const [id, reasons] of byId) Validations.of(scope).acknowledge({ id, reason: reasons.join(' | ') });
}
