/**
 * What a simulated visitor has recorded so far, read the way metrics.md §7 reads a journey: its
 * sessions (§2: a gap over `sessionGapMinutes` or a site-local midnight starts a new one), the
 * session's funnel stage, and the lookback covariates of its stratum. The simulator decides touchpoint
 * use from this alone, so the selection it plants is selection on recorded behaviour (the kind §7's
 * adjustment can remove). Pure: no I/O, no clock.
 */
import { localDate, localDayBounds } from '../time';

/** Stage of a funnel landmark event (metrics.md §7 "Stages"); other activity events are 0. */
export const STAGE_OF_EVENT: Readonly<Record<string, number>> = {
  'Product Viewed': 1,
  'Product Added': 2,
  'Checkout Started': 3,
  'Order Completed': 4,
};

/** metrics.md §7 "Stratum": activity events in the lookback, bucketed. */
export type DepthBucket = '0' | '1-4' | '5-19' | '20+';

export interface Lookback {
  depth: DepthBucket;
  /** A `Product Added` or `Checkout Started` among the lookback's events. */
  intent: boolean;
  /** An order among them. */
  returning: boolean;
}

export function depthBucketOf(events: number): DepthBucket {
  return events === 0 ? '0' : events < 5 ? '1-4' : events < 20 ? '5-19' : '20+';
}

const HOUR_MS = 3_600_000;

/** One journey's activity events, recorded in time order. */
export class Journal {
  private readonly times: number[] = [];
  private readonly stages: number[] = [];
  private sessionStart = -1;
  private sessionStage = 0;
  private sessionDayEnd = Number.NEGATIVE_INFINITY;
  /** Touchpoints (metrics.md §2) of the current session's events so far. */
  private readonly sessionTouchpoints = new Set<string>();
  private readonly gapMs: number;
  private readonly lookbackMs: number;

  constructor(
    gapMinutes: number,
    lookbackDays: number,
    private readonly timezone: string,
  ) {
    this.gapMs = gapMinutes * 60_000;
    this.lookbackMs = lookbackDays * 24 * HOUR_MS;
  }

  /** Time of the last recorded event (−∞ before the first). */
  get lastTime(): number {
    return this.times[this.times.length - 1] ?? Number.NEGATIVE_INFINITY;
  }

  /**
   * Records an activity event (times must not decrease) with its touchpoint, if any. Returns the
   * session's stage when the event starts a session or raises its stage (it is a landmark the session
   * is now at), else undefined.
   */
  record(time: number, event: string | undefined, touchpoint: string | undefined): number | undefined {
    if (time < this.lastTime) throw new Error('a journal records events in time order');
    const stage = (event && STAGE_OF_EVENT[event]) || 0;
    const starts = this.sessionStart < 0 || time - this.lastTime > this.gapMs || time >= this.sessionDayEnd;
    this.times.push(time);
    this.stages.push(stage);
    if (starts) {
      this.sessionTouchpoints.clear();
      this.sessionStart = this.times.length - 1;
      this.sessionStage = stage;
      this.sessionDayEnd = localDayBounds(localDate(time, this.timezone), this.timezone).end;
    }
    if (touchpoint) this.sessionTouchpoints.add(touchpoint);
    if (starts) return stage;
    if (stage > this.sessionStage) {
      this.sessionStage = stage;
      return stage;
    }
    return undefined;
  }

  /** Whether an event of the current session carried `touchpoint`. */
  sessionUsed(touchpoint: string): boolean {
    return this.sessionTouchpoints.has(touchpoint);
  }

  /** The current session's stratum covariates: the events in [its start − lookback, its start). */
  lookback(): Lookback {
    const startIndex = Math.max(0, this.sessionStart);
    const start = this.times[startIndex] ?? 0;
    const from = start - this.lookbackMs;
    let events = 0;
    let intent = false;
    let returning = false;
    for (let i = startIndex - 1; i >= 0; i--) {
      const time = this.times[i] ?? 0;
      if (time < from) break;
      events++;
      const stage = this.stages[i] ?? 0;
      if (stage === 2 || stage === 3) intent = true;
      else if (stage === 4) returning = true;
    }
    return { depth: depthBucketOf(events), intent, returning };
  }
}
