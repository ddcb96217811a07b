import { describe, expect, it } from 'vitest';
import { computeFigures } from '../../../shared/metrics/figures';
import { linksFromEvents } from '../../../shared/metrics/links';
import { slimForFigures } from '../../../shared/metrics/slim';
import { loadConformanceData } from '../../helpers/conformance';

describe('slimForFigures', () => {
  it('keeps every field the figures read: the conformance days give identical documents from slim events', () => {
    const data = loadConformanceData();
    const links = linksFromEvents(data.events);
    const slim = data.events.map((event) => slimForFigures(event));
    for (const date of data.expected.keys()) {
      const input = {
        config: data.config,
        date,
        links,
        status: 'final' as const,
        revision: 1,
        computedAt: 'x',
      };
      expect(computeFigures({ ...input, events: slim })).toEqual(
        computeFigures({ ...input, events: data.events }),
      );
    }
  });

  it('drops what no figure uses (user agent, page, library, traits)', () => {
    const slim = slimForFigures({
      messageId: 'm',
      type: 'track',
      event: 'Order Completed',
      site: 's',
      receivedAt: '2026-11-02T10:00:00.000Z',
      timestamp: '2026-11-02T10:00:00.000Z',
      traits: { plan: 'gold' },
      context: { channel: 'web', userAgent: 'Mozilla', page: { path: '/' } },
      properties: {
        order_id: 'o1',
        products: [{ price: 5, quantity: 2, name: 'shirt', sku: 'S1' }],
        coupon: 'X',
      },
    });
    expect(slim).toEqual({
      messageId: 'm',
      type: 'track',
      event: 'Order Completed',
      site: 's',
      receivedAt: '2026-11-02T10:00:00.000Z',
      timestamp: '2026-11-02T10:00:00.000Z',
      context: { channel: 'web' },
      properties: { order_id: 'o1', products: [{ price: 5, quantity: 2 }] },
    });
  });
});
