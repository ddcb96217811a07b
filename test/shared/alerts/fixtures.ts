/** Figures documents for alert tests: an empty day, changed where a test needs it. */
import { siteConfigWithDefaults } from '../../../shared/config/site';
import { computeFigures, type FiguresDocument } from '../../../shared/metrics/figures';
import { addDays } from '../../../shared/time';

export const config = siteConfigWithDefaults({
  site: 'demo',
  currency: 'EUR',
  touchpoints: { live_chat: { dailyCost: 120, team: 'support' } },
});

/** The figures of a day without events, passed through `change`. */
export function day(
  date: string,
  change: (figures: FiguresDocument) => void = () => undefined,
): FiguresDocument {
  const figures = computeFigures({
    config,
    date,
    events: [],
    links: new Map(),
    status: 'final',
    revision: 1,
    computedAt: `${addDays(date, 1)}T01:00:00.000Z`,
  });
  change(figures);
  return figures;
}

/** Days before `date`, most recent first, each with its own event count. */
export function eventDays(date: string, counts: readonly (number | undefined)[]): FiguresDocument[] {
  return counts.flatMap((count, index) =>
    count === undefined
      ? []
      : [
          day(addDays(date, -(index + 1)), (f) => {
            f.traffic.events = count;
          }),
        ],
  );
}
