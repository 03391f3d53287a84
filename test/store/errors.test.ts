import { describe, expect, it } from 'vitest';
import { cancellationCodes, isTransactionConflict, lostConditionalRace } from '../../shared/store/errors';

const cancelled = (codes: string[] | undefined, message = 'Transaction cancelled') =>
  Object.assign(new Error(message), {
    name: 'TransactionCanceledException',
    ...(codes ? { CancellationReasons: codes.map((Code) => ({ Code })) } : {}),
  });

describe('cancelled transactions', () => {
  it('reads the per-item codes in request order', () => {
    expect(cancellationCodes(cancelled(['None', 'ConditionalCheckFailed']))).toEqual([
      'None',
      'ConditionalCheckFailed',
    ]);
  });

  it('reads the codes from the message when the reasons are missing', () => {
    const err = cancelled(
      undefined,
      'Transaction cancelled, please refer cancellation reasons [None, TransactionConflict]',
    );
    expect(cancellationCodes(err)).toEqual(['None', 'TransactionConflict']);
    expect(isTransactionConflict(err)).toBe(true);
  });

  it('is not a cancelled transaction for other errors', () => {
    expect(cancellationCodes(new Error('x'))).toBeUndefined();
    expect(cancellationCodes(undefined)).toBeUndefined();
  });

  it('counts a failed condition of a plain write or of any transaction item as a lost race', () => {
    expect(lostConditionalRace({ name: 'ConditionalCheckFailedException' })).toBe(true);
    expect(lostConditionalRace(cancelled(['None', 'ConditionalCheckFailed']))).toBe(true);
    expect(lostConditionalRace(cancelled(['ThrottlingError']))).toBe(false);
  });
});
