/**
 * The organization hub's items in its own table (docs/hub.md):
 *
 * | Item   | PK                          | SK             | GSI1PK            | GSI1SK                       |
 * |--------|-----------------------------|----------------|-------------------|------------------------------|
 * | Record | `HUB#<account>#<region>`    | `<kind>#<id>`  | `KIND#hub-<kind>` | `<account>#<region>#<id>`    |
 */
import { PREFIX, type TableKey } from '../store/keys';
import type { HubItem } from './model';

export const HUB_ITEM_TYPE = 'HubRecord';

export function hubMemberPk(account: string, region: string): string {
  return `${PREFIX.hub}${account}#${region}`;
}

export function hubKindIndexPk(kind: HubItem['kind']): string {
  return `${PREFIX.kind}hub-${kind}`;
}

export function hubItemKey(item: Pick<HubItem, 'account' | 'region' | 'kind' | 'id'>): TableKey {
  return { PK: hubMemberPk(item.account, item.region), SK: `${item.kind}#${item.id}` };
}
