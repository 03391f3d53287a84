import type { CallerIdentity } from '../../core/types';
import { invalidParameterValue } from '../errors';
import { type QueryObject, str, tagSpecifications } from '../query';
import { type Ec2State, type Tag, validateTags } from '../state';
import type { XmlElement } from '../xml';

export interface ActionContext {
  state: Ec2State;
  params: QueryObject;
  requestId: string;
  /** `DryRun=true`: validate, then fail with DryRunOperation before changing anything. */
  dryRun: boolean;
  caller: CallerIdentity;
}

export interface ActionResult {
  /** The response element's content after `<requestId>`. */
  body: XmlElement;
  /** CloudTrail `responseElements` without `requestId` (the service adds it). */
  responseElements?: Record<string, unknown>;
}

export interface ActionDef {
  /** Mutating calls write a CloudTrail management event (delivered through EventBridge). */
  mutating: boolean;
  /** CloudTrail `requestParameters`, from the request alone (a failed call has them too). */
  requestParameters?(params: QueryObject): Record<string, unknown>;
  run(ctx: ActionContext): ActionResult;
}

/** CloudTrail writes EC2 sets as `{items: [...]}`, and an empty set as `{}`. */
export function ctItems<T>(list: readonly T[]): { items: T[] } | Record<string, never> {
  return list.length > 0 ? { items: [...list] } : {};
}

/** The tags a TagSpecification carries for the one resource type this call creates; validated. */
export function tagsFor(params: QueryObject, resourceType: string): Tag[] {
  const specs = tagSpecifications(params);
  for (const s of specs) {
    if (s.resourceType !== resourceType) {
      throw invalidParameterValue(
        `'${s.resourceType}' is not a valid taggable resource type for this operation.`,
      );
    }
  }
  const tags = specs.flatMap((s) => s.tags);
  validateTags(tags);
  return tags;
}

/** CloudTrail's `tagSpecificationSet`, present only when the request had one. */
export function tagSpecificationSet(params: QueryObject) {
  const specs = tagSpecifications(params);
  if (specs.length === 0) return undefined;
  return { items: specs.map((s) => ({ resourceType: s.resourceType, tags: s.tags.map((t) => ({ ...t })) })) };
}

/** A numeric request parameter as CloudTrail records it (absent or malformed: left out). */
export function ctNumber(params: QueryObject, name: string): number | undefined {
  const v = str(params, name);
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
}

/** A boolean request parameter as CloudTrail records it (absent: left out). */
export function ctBool(params: QueryObject, name: string): boolean | undefined {
  const v = str(params, name);
  return v === undefined ? undefined : v === 'true';
}
