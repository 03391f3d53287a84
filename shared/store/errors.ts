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

function errorName(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? (err as { name?: string }).name : undefined;
}

/**
 * The per-item codes of a cancelled `TransactWriteItems` (`None`, `ConditionalCheckFailed`, `TransactionConflict`,
 * `ThrottlingError`, ...) in request order, or `undefined` when `err` is not a cancelled transaction. Without
 * `CancellationReasons` the codes are read from the message (`... [ConditionalCheckFailed, None]`), which is how
 * some SDK versions and emulators report them.
 */
export function cancellationCodes(err: unknown): string[] | undefined {
  if (errorName(err) !== 'TransactionCanceledException') return undefined;
  const reasons = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  if (Array.isArray(reasons) && reasons.length > 0) return reasons.map((r) => r.Code ?? 'None');
  const m = /\[([^\]]*)\]/.exec((err as Error).message ?? '');
  return m?.[1]?.split(',').map((s) => s.trim() || 'None') ?? [];
}

/** True when a conditional write, or one item of a transaction, failed its condition. */
export function lostConditionalRace(err: unknown): boolean {
  return (
    isConditionalCheckFailed(err) || (cancellationCodes(err)?.includes('ConditionalCheckFailed') ?? false)
  );
}

/** True when a transaction lost to a concurrent one (worth retrying at once). */
export function isTransactionConflict(err: unknown): boolean {
  return (
    errorName(err) === 'TransactionConflictException' ||
    (cancellationCodes(err)?.includes('TransactionConflict') ?? false)
  );
}
