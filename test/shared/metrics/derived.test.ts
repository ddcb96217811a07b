import { describe, expect, it } from 'vitest';
import { buildLedger, type LedgerOrder } from '../../../shared/metrics/derived';

describe('buildLedger (the customer ledger merge)', () => {
  it('keeps the earliest event of an order_id met on several days, and every order without one', () => {
    const ledger = buildLedger([
      { orders: [{ orderId: 'o1', journeyId: 'a', time: 200, value: 7 }], responses: [] },
      {
        orders: [
          { orderId: 'o1', journeyId: 'a', time: 100, value: 5 },
          { journeyId: 'b', time: 150, value: 1 },
          { journeyId: 'b', time: 150, value: 2 },
        ],
        responses: [],
      },
    ]);
    expect(ledger.orders.map((o) => [o.journeyId, o.time, o.value])).toEqual([
      ['a', 100, 5],
      ['b', 150, 1],
      ['b', 150, 2],
    ]);
    expect(ledger.ordersByJourney.get('b')).toHaveLength(2);
  });

  it('merges half a million orders with an order_id (a site of a million customers) without overflowing the stack', () => {
    const orders: LedgerOrder[] = [];
    for (let i = 0; i < 500_000; i++)
      orders.push({ orderId: `o${i}`, journeyId: `j${i % 1000}`, time: i, value: 1 });
    const ledger = buildLedger([{ orders, responses: [] }]);
    expect(ledger.orders).toHaveLength(500_000);
    expect(ledger.ordersByJourney.get('j0')).toHaveLength(500);
  });
});
