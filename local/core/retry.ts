/**
 * The AWS SDK's standard retry behaviour (full-jitter exponential back-off: base 100 ms, 500 ms for throttling,
 * capped at 20 s; `maxAttempts` attempts in all), except that the back-off is slept on the simulated region's
 * virtual clock. The SDK's RetryStrategyV2 contract allows exactly this: "delay internally and return a token with
 * 0 delay".
 *
 * Not modelled: the standard strategy's retry quota (500 tokens per client). In Lambda each execution environment
 * has its own client and handles one event at a time; in the simulated region one client serves every concurrent
 * invocation of a function, so a shared quota would be drained unrealistically fast.
 */
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';
import type { VirtualScheduler } from './scheduler';

const BASE_MS = 100;
const THROTTLING_BASE_MS = 500;
const MAX_DELAY_MS = 20_000;

class Token implements RetryToken {
  constructor(private readonly count: number) {}
  getRetryCount(): number {
    return this.count;
  }
  getRetryDelay(): number {
    return 0;
  }
}

export class VirtualRetryStrategy implements RetryStrategyV2 {
  readonly mode = 'standard';

  constructor(
    private readonly scheduler: VirtualScheduler,
    private readonly maxAttempts: number,
    private readonly random: () => number = Math.random,
  ) {}

  async acquireInitialRetryToken(): Promise<RetryToken> {
    return new Token(0);
  }

  async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const attempts = token.getRetryCount() + 1;
    const retryable = ['THROTTLING', 'TRANSIENT', 'SERVER_ERROR'].includes(errorInfo.errorType);
    if (!retryable || attempts >= this.maxAttempts) throw new Error('No retry token available');
    const base = errorInfo.errorType === 'THROTTLING' ? THROTTLING_BASE_MS : BASE_MS;
    const delay = Math.floor(this.random() * Math.min(MAX_DELAY_MS, base * 2 ** (attempts - 1)));
    await this.scheduler.sleep(delay);
    return new Token(attempts);
  }

  recordSuccess(): void {}
}
