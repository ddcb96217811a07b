/**
 * A seeded day of storefront traffic as the archive stores it (normalized events), for the aggregation
 * benchmark: journeys that browse, add to carts (with and without cart_id), check out, order, identify.
 */
import { seededRandom } from './sample-events';

export interface GeneratedDay {
  /** Archive lines grouped as objects of about `eventsPerObject` events, per UTC hour. */
  objects: { hour: string; lines: string[] }[];
  events: number;
}

export function generateDay(options: {
  site: string;
  date: string;
  events: number;
  seed: number;
  eventsPerObject?: number;
}): GeneratedDay {
  const random = seededRandom(options.seed);
  const dayStart = Date.parse(`${options.date}T00:00:00.000Z`);
  const receivedAt = new Date(dayStart + 86_400_000 + 3_600_000).toISOString();
  const byHour: string[][] = Array.from({ length: 24 }, () => []);
  const channels = ['web', 'web', 'web', 'app', 'store', 'support'];
  const touchpoints = ['live_chat', 'size_guide', 'store_pickup', 'product_video'];
  let produced = 0;
  let journey = 0;
  const emit = (time: number, event: Record<string, unknown>) => {
    const line = JSON.stringify({
      ...event,
      site: options.site,
      receivedAt,
      timestamp: new Date(time).toISOString(),
    });
    const hour = Math.min(23, Math.floor((time - dayStart) / 3_600_000));
    byHour[hour]?.push(line);
    produced += 1;
    // About 1% of events are delivered twice (a client retry): same messageId.
    if (random() < 0.01) {
      byHour[hour]?.push(line);
      produced += 1;
    }
  };
  while (produced < options.events) {
    journey += 1;
    const anonymousId = `anon-${options.seed}-${journey}`;
    const userId = random() < 0.35 ? `user-${Math.floor(random() * 1e6)}` : undefined;
    const channel = channels[Math.floor(random() * channels.length)] ?? 'web';
    const context = {
      channel,
      library: { name: 'analytics.js', version: '5.2.0' },
      userAgent:
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      page: { path: '/products', url: 'https://shop.example/products' },
      ip: '203.0.113.0',
    };
    let time = dayStart + Math.floor(random() * 82_800_000);
    let n = 0;
    const next = (event: Record<string, unknown>) => {
      time = Math.min(dayStart + 86_399_000, time + 20_000 + Math.floor(random() * 400_000));
      n += 1;
      const ids: Record<string, string> = { anonymousId };
      if (userId && n > 3) ids.userId = userId;
      emit(time, { messageId: `m-${options.seed}-${journey}-${n}`, ...ids, context, ...event });
    };
    next({ type: 'page', name: 'Home', properties: { path: '/' } });
    const views = 1 + Math.floor(random() * 5);
    for (let v = 0; v < views; v++) {
      const touchpoint = random() < 0.15 ? touchpoints[Math.floor(random() * touchpoints.length)] : undefined;
      next({
        type: 'track',
        event: 'Product Viewed',
        properties: {
          product_id: `p${Math.floor(random() * 500)}`,
          price: 20 + Math.floor(random() * 180),
          touchpoint,
        },
      });
    }
    if (userId) next({ type: 'identify', userId, traits: { plan: 'member' } });
    if (random() < 0.4) {
      const cartId = random() < 0.7 ? `cart-${options.seed}-${journey}` : undefined;
      const price = 20 + Math.floor(random() * 180);
      const quantity = 1 + Math.floor(random() * 2);
      next({
        type: 'track',
        event: 'Product Added',
        properties: { cart_id: cartId, product_id: `p${Math.floor(random() * 500)}`, price, quantity },
      });
      if (random() < 0.45) {
        next({ type: 'track', event: 'Checkout Started', properties: { cart_id: cartId } });
        if (random() < 0.65) {
          next({
            type: 'track',
            event: 'Order Completed',
            properties: {
              order_id: `o-${options.seed}-${journey}`,
              revenue: price * quantity,
              currency: 'EUR',
              cart_id: cartId,
            },
          });
        }
      }
    }
  }
  const perObject = options.eventsPerObject ?? 1000;
  const objects: GeneratedDay['objects'] = [];
  byHour.forEach((lines, hour) => {
    for (let offset = 0; offset < lines.length; offset += perObject) {
      objects.push({ hour: String(hour).padStart(2, '0'), lines: lines.slice(offset, offset + perObject) });
    }
  });
  return { objects, events: produced };
}
