/**
 * The virtual clock of the simulated region: hours of schedules and grace periods pass instantly. Time only moves
 * when a scenario (or the router, for delays and retries) advances it.
 */
import type { Clock } from '../../shared/runtime/context';

export class VirtualClock implements Clock {
  private ms: number;

  constructor(start: Date | string = '2026-01-05T09:00:00.000Z') {
    this.ms = new Date(start).getTime();
    if (Number.isNaN(this.ms)) throw new Error(`invalid clock start: ${String(start)}`);
  }

  now(): Date {
    return new Date(this.ms);
  }

  nowMs(): number {
    return this.ms;
  }

  /** Moves time forward; never backwards. */
  advanceTo(ms: number): void {
    if (ms > this.ms) this.ms = ms;
  }

  advanceBy(ms: number): void {
    if (ms < 0) throw new Error('the clock does not go backwards');
    this.ms += ms;
  }
}
