/** Tags on any resource: EC2's tag rules, CreateTags and DeleteTags (all or nothing). */
import { Ec2Error, invalidParameterValue, notFound } from '../errors';
import { commit } from './lookups';
import type { Ec2World, OperationOptions, Tag, TagInput } from './model';

export function toTags(input: TagInput | undefined): Tag[] {
  if (!input) return [];
  if (Array.isArray(input)) return (input as readonly Tag[]).map((t) => ({ key: t.key, value: t.value }));
  return Object.entries(input as Record<string, string>).map(([key, value]) => ({ key, value }));
}

/** Tag rules EC2 enforces on every tagging path. */
export function validateTags(tags: readonly { key: string; value?: string }[]): void {
  for (const t of tags) {
    if (t.key === '') throw invalidParameterValue('Tag key cannot be empty');
    if (t.key.length > 128)
      throw invalidParameterValue(`Tag key exceeds the maximum length of 128 characters`);
    if ((t.value ?? '').length > 256)
      throw invalidParameterValue(`Tag value exceeds the maximum length of 256 characters`);
    if (t.key.toLowerCase().startsWith('aws:')) {
      throw invalidParameterValue("Tag keys starting with 'aws:' are reserved for internal use");
    }
  }
}

const MAX_TAGS_PER_RESOURCE = 50;

function setTags(target: Tag[], tags: readonly Tag[], resourceId: string): void {
  for (const t of tags) {
    const existing = target.find((x) => x.key === t.key);
    if (existing) existing.value = t.value;
    else target.push({ key: t.key, value: t.value });
  }
  if (target.length > MAX_TAGS_PER_RESOURCE) {
    throw new Ec2Error(
      'TagLimitExceeded',
      `The maximum number of tags for resource '${resourceId}' has been reached.`,
    );
  }
}

/** The tag list of a resource, found by its id's prefix. */
function tagsOf(w: Ec2World, resourceId: string): Tag[] {
  const prefix = resourceId.slice(0, resourceId.lastIndexOf('-') + 1);
  const lookup: Record<string, () => { tags: Tag[] } | undefined> = {
    'eipalloc-': () => w.addressById.get(resourceId),
    'eni-': () => w.eniById.get(resourceId),
    'subnet-': () => w.subnetById.get(resourceId),
    'i-': () => w.instanceById.get(resourceId),
    'vpc-': () => w.vpcById.get(resourceId),
    'sg-': () => w.groupById.get(resourceId),
    'rtb-': () => w.routeTableById.get(resourceId),
  };
  const notFoundFor: Record<string, (id: string) => Ec2Error> = {
    'eipalloc-': notFound.allocation,
    'eni-': notFound.networkInterface,
    'subnet-': notFound.subnet,
    'i-': notFound.instance,
    'vpc-': notFound.vpc,
    'sg-': notFound.securityGroup,
    'rtb-': notFound.routeTable,
  };
  const find = Object.hasOwn(lookup, prefix) ? lookup[prefix] : undefined;
  if (!find) throw new Ec2Error('InvalidID', `The ID '${resourceId}' is not valid`);
  const resource = find();
  if (!resource) throw (notFoundFor[prefix] as (id: string) => Ec2Error)(resourceId);
  return resource.tags;
}

/** Tags resources by id (`eipalloc-`, `eni-`, `subnet-`, `i-`, `vpc-`, `sg-`, `rtb-`); all or nothing. */
export function createTags(w: Ec2World, resourceIds: string[], tags: Tag[], opts?: OperationOptions): void {
  if (resourceIds.length === 0)
    throw new Ec2Error('MissingParameter', 'The request must contain the parameter ResourceId');
  if (tags.length === 0) throw new Ec2Error('MissingParameter', 'The request must contain the parameter Tag');
  validateTags(tags);
  const targets = resourceIds.map((id) => ({ id, tags: tagsOf(w, id) }));
  for (const t of targets) {
    const merged = t.tags.map((x) => ({ ...x }));
    setTags(merged, tags, t.id);
  }
  commit(opts);
  for (const t of targets) setTags(t.tags, tags, t.id);
}

/** Deletes tags by key (and value, when given); no tags given deletes all of them. */
export function deleteTags(
  w: Ec2World,
  resourceIds: string[],
  tags: { key: string; value?: string }[],
  opts?: OperationOptions,
): void {
  if (resourceIds.length === 0)
    throw new Ec2Error('MissingParameter', 'The request must contain the parameter ResourceId');
  const targets = resourceIds.map((id) => tagsOf(w, id));
  for (const t of tags) {
    if (t.key.toLowerCase().startsWith('aws:')) {
      throw invalidParameterValue("Tag keys starting with 'aws:' are reserved for internal use");
    }
  }
  commit(opts);
  for (const list of targets) {
    const keep = list.filter(
      (x) =>
        tags.length > 0 &&
        !tags.some((t) => t.key === x.key && (t.value === undefined || t.value === x.value)),
    );
    list.splice(0, list.length, ...keep);
  }
}
