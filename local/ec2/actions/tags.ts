/** CreateTags / DeleteTags over EIPs, ENIs, subnets, instances, VPCs, security groups and route tables. */
import { strList, tagList } from '../query';
import { type ActionDef, ctItems } from './common';

const resourcesSet = (ids: string[]) => ctItems(ids.map((resourceId) => ({ resourceId })));

export const CreateTags: ActionDef = {
  mutating: true,
  requestParameters: (p) => ({
    resourcesSet: resourcesSet(strList(p, 'ResourceId')),
    tagSet: ctItems(tagList(p).map((t) => ({ key: t.key, value: t.value ?? '' }))),
  }),
  run({ state, params, dryRun }) {
    const tags = tagList(params).map((t) => ({ key: t.key, value: t.value ?? '' }));
    state.createTags(strList(params, 'ResourceId'), tags, { dryRun });
    return { body: { return: true }, responseElements: { _return: true } };
  },
};

export const DeleteTags: ActionDef = {
  mutating: true,
  requestParameters: (p) => ({
    resourcesSet: resourcesSet(strList(p, 'ResourceId')),
    tagSet: ctItems(
      tagList(p).map((t) => (t.value === undefined ? { key: t.key } : { key: t.key, value: t.value })),
    ),
  }),
  run({ state, params, dryRun }) {
    state.deleteTags(strList(params, 'ResourceId'), tagList(params), { dryRun });
    return { body: { return: true }, responseElements: { _return: true } };
  },
};
