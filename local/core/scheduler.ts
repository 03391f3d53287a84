/**
 * Discrete-event time for the simulated region. Handlers that back off (SDK retries after throttling) sleep on the
 * virtual clock instead of the wall clock; when every running delivery is asleep and nothing else can run, the
 * router moves the clock to the earliest wake-up. A throttled burst of thousands of calls thus takes seconds of real
 * time while its virtual duration stays faithful to AWS's token-bucket rates.
 */
import type { VirtualClock } from './clock';

interface Sleeper {
  wakeMs: number;
  seq: number;
  resolve: () => void;
}

export class VirtualScheduler {
  private sleepers: Sleeper[] = [];
  private listeners: (() => void)[] = [];
  private seq = 0;
  /** Deliveries running now (asleep or not). */
  active = 0;

  constructor(private readonly clock: VirtualClock) {}

  /** Waits `ms` of virtual time. Outside any delivery nothing else can run meanwhile, so time just moves on. */
  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    if (this.active === 0) {
      this.clock.advanceBy(ms);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.seq += 1;
      this.sleepers.push({ wakeMs: this.clock.nowMs() + ms, seq: this.seq, resolve });
      this.notify();
    });
  }

  asleep(): number {
    return this.sleepers.length;
  }

  /** Earliest wake-up time, if anyone sleeps. */
  nextWakeMs(): number | undefined {
    let min: number | undefined;
    for (const s of this.sleepers) if (min === undefined || s.wakeMs < min) min = s.wakeMs;
    return min;
  }

  /** Moves the clock to the earliest wake-up and resumes every sleeper due by then. */
  wakeNext(): void {
    const next = this.nextWakeMs();
    if (next === undefined) return;
    this.clock.advanceTo(next);
    const due = this.sleepers
      .filter((s) => s.wakeMs <= next)
      .sort((a, b) => a.wakeMs - b.wakeMs || a.seq - b.seq);
    this.sleepers = this.sleepers.filter((s) => s.wakeMs > next);
    for (const s of due) s.resolve();
  }

  /** Resolves at the next change worth re-examining (someone fell asleep). */
  changed(): Promise<void> {
    return new Promise((resolve) => this.listeners.push(resolve));
  }

  private notify(): void {
    const listeners = this.listeners;
    this.listeners = [];
    for (const l of listeners) l();
  }
}
