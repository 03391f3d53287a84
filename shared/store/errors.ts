/** Errors of the table adapters. Each says what failed; handlers let them propagate so Lambda retries. */

/** An item in the table does not have the shape its key says it has. */
export class CorruptItemError extends Error {
  override readonly name = 'CorruptItemError';
  constructor(
    readonly key: { PK: unknown; SK: unknown },
    problem: string,
  ) {
    super(`table item ${String(key.PK)} / ${String(key.SK)} is corrupt: ${problem}`);
  }
}

/** DynamoDB kept returning unprocessed keys of a BatchGetItem (throttling); the caller should retry later. */
export class UnprocessedKeysError extends Error {
  override readonly name = 'UnprocessedKeysError';
  constructor(readonly remaining: number) {
    super(`BatchGetItem left ${remaining} keys unprocessed after retries`);
  }
}

/** True for DynamoDB's conditional-check failure (whichever SDK copy raised it). */
export function isConditionalCheckFailed(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { name?: unknown }).name === 'ConditionalCheckFailedException'
  );
}
