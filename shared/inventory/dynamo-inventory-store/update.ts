/** The table the inventory store writes, and the update expressions its commutative writes are made of. */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TableKey } from '../../store/keys';
import type { Item } from '../../store/query';

export interface InventoryTable {
  doc: DynamoDBDocumentClient;
  tableName: string;
}

export interface UpdateParts {
  expression: string;
  names: Record<string, string>;
  values: Item;
}

/** What one update writes; undefined values are skipped. */
export interface UpdateFields {
  /** Written as given. */
  set?: Item;
  /** Written only if the item has no value yet (`if_not_exists`), so the first delivery's value stays. */
  setOnce?: Item;
  /** Sets added to the item's string sets (`ADD`), so concurrent additions all stay. */
  add?: Item;
}

/** Builds `SET #a = :a, #b = if_not_exists(#b, :b) ADD #c :c` from the fields, skipping undefined values. */
export function updateExpression(fields: UpdateFields): UpdateParts {
  const sets: string[] = [];
  const adds: string[] = [];
  const names: Record<string, string> = {};
  const values: Item = {};
  const part = (fieldValues: Item, out: string[], clause: (k: string) => string) => {
    for (const [k, v] of Object.entries(fieldValues)) {
      if (v === undefined) continue;
      names[`#${k}`] = k;
      values[`:${k}`] = v;
      out.push(clause(k));
    }
  };
  part(fields.set ?? {}, sets, (k) => `#${k} = :${k}`);
  part(fields.setOnce ?? {}, sets, (k) => `#${k} = if_not_exists(#${k}, :${k})`);
  part(fields.add ?? {}, adds, (k) => `#${k} :${k}`);
  const expression = `SET ${sets.join(', ')}${adds.length > 0 ? ` ADD ${adds.join(', ')}` : ''}`;
  return { expression, names, values };
}

/** Applies the update and returns the item as it is after it (`ReturnValues: ALL_NEW`). */
export async function updateReturningItem(
  table: InventoryTable,
  key: TableKey,
  update: UpdateParts,
): Promise<Item | undefined> {
  const out = await table.doc.send(
    new UpdateCommand({
      TableName: table.tableName,
      Key: key,
      UpdateExpression: update.expression,
      ExpressionAttributeNames: update.names,
      ExpressionAttributeValues: update.values,
      ReturnValues: 'ALL_NEW',
    }),
  );
  return out.Attributes;
}
