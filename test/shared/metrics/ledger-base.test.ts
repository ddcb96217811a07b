import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildLedger,
  type CustomerLedger,
  type LedgerOrder,
  type LedgerResponse,
} from '../../../shared/metrics/derived';
import { customerLedgerOf, ledgerBaseOf } from '../../../shared/metrics/ledger-base';
import { decodeColumnar, encodeColumnar } from '../../../shared/storage/columnar';

const DAY_MS = 86_400_000;

type Part = { orders: LedgerOrder[]; responses: LedgerResponse[] };

const triples = (orders: readonly LedgerOrder[] | undefined) =>
  orders?.map((order) => [order.journeyId, order.time, order.value]);

/**
 * What the figures read of a ledger: each journey's orders in order, as a walk over every customer
 * meets them and as a look-up by journey finds them (the two must agree), and the responses.
 */
function readable(ledger: CustomerLedger) {
  const journeys = [...ledger.ordersByJourney.values()].map((orders) => [
    orders[0]?.journeyId,
    triples(orders),
  ]);
  const looked = journeys.map(([journey]) => [journey, triples(ledger.ordersByJourney.get(String(journey)))]);
  expect(looked).toEqual(journeys);
  expect(ledger.ordersByJourney.get('no such journey')).toBeUndefined();
  return { journeys, responses: ledger.responses };
}

/**
 * Days as the aggregator stores them: each day's orders inside the day, by time, the first event of
 * each order id among the day's events (ids may come back on later days); responses by time.
 */
const daysArbitrary = fc
  .array(
    fc.record({
      orders: fc.array(
        fc.record({
          id: fc.option(fc.constantFrom('o1', 'o2', 'o3', 'o4', 'o5', 'o6'), { nil: undefined }),
          journey: fc.constantFrom('a', 'b', 'c', 'd'),
          offset: fc.integer({ min: 0, max: DAY_MS - 1 }),
          value: fc.integer({ min: 0, max: 500 }),
        }),
        { maxLength: 8 },
      ),
      responses: fc.array(
        fc.record({
          journey: fc.constantFrom('a', 'b', 'e'),
          offset: fc.integer({ min: 0, max: DAY_MS - 1 }),
          score: fc.integer({ min: 0, max: 10 }),
        }),
        { maxLength: 3 },
      ),
    }),
    { minLength: 1, maxLength: 6 },
  )
  .map((days) =>
    days.map((day, index): Part => {
      const start = index * DAY_MS;
      const seen = new Set<string>();
      const orders = day.orders
        .sort((x, y) => x.offset - y.offset)
        .filter((order) => order.id === undefined || (!seen.has(order.id) && Boolean(seen.add(order.id))))
        .map(
          (order): LedgerOrder => ({
            ...(order.id === undefined ? {} : { orderId: order.id }),
            journeyId: order.journey,
            time: start + order.offset,
            value: order.value,
          }),
        );
      const responses = day.responses
        .map((response) => ({
          journeyId: response.journey,
          time: start + response.offset,
          score: response.score,
        }))
        .sort((x, y) => x.time - y.time);
      return { orders, responses };
    }),
  );

describe('the ledger base (the days before D, merged once)', () => {
  it('gives with D added the same ledger as merging every day, stored and read back as columns', () => {
    fc.assert(
      fc.property(daysArbitrary, (days) => {
        const before = days.slice(0, -1);
        const day = days.at(-1) ?? { orders: [], responses: [] };
        const stored = decodeColumnar(encodeColumnar(ledgerBaseOf(before))) as ReturnType<
          typeof ledgerBaseOf
        >;
        expect(readable(customerLedgerOf(stored, day))).toEqual(readable(buildLedger(days)));
      }),
      { seed: 20, numRuns: 500 },
    );
  });

  it("drops D's order whose id came on an earlier day, and only that one", () => {
    const before: Part = {
      orders: [{ orderId: 'o1', journeyId: 'a', time: 10, value: 5 }],
      responses: [],
    };
    const base = ledgerBaseOf([before]);
    const day: Part = {
      orders: [
        { orderId: 'o1', journeyId: 'a', time: DAY_MS + 1, value: 7 },
        { orderId: 'o2', journeyId: 'b', time: DAY_MS + 2, value: 9 },
      ],
      responses: [],
    };
    expect(readable(customerLedgerOf(base, day)).journeys).toEqual([
      ['a', [['a', 10, 5]]],
      ['b', [['b', DAY_MS + 2, 9]]],
    ]);
    // Another id where o1 was: o1 is no longer among the base's ids.
    const forged = { ...base, ids: 'x1' };
    expect(readable(customerLedgerOf(forged, day)).journeys).toEqual([
      [
        'a',
        [
          ['a', 10, 5],
          ['a', DAY_MS + 1, 7],
        ],
      ],
      ['b', [['b', DAY_MS + 2, 9]]],
    ]);
  });
});
