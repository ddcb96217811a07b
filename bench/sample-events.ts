/** Deterministic storefront-like events for benchmarks (about 450 bytes each, like a real analytics.js event). */

export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed', 'Product Removed'];

export function sampleBatch(
  random: () => number,
  size: number,
  prefix: string,
  baseTimeMs = Date.now(),
): unknown[] {
  const anonymousId = `anon-${Math.floor(random() * 1e9).toString(36)}`;
  return Array.from({ length: size }, (_, i) => {
    const kind = random();
    // A browser flushes its queue every few seconds: a batch's events lie within a minute.
    const timestamp = new Date(baseTimeMs - Math.floor(random() * 60_000)).toISOString();
    const context = {
      channel: 'web',
      ip: `203.0.113.${Math.floor(random() * 255)}`,
      userAgent:
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      library: { name: 'analytics.js', version: '5.2.0' },
      page: {
        path: '/products/p12',
        url: 'https://shop.example/products/p12',
        referrer: 'https://search.example/',
      },
    };
    if (kind < 0.3) {
      return {
        type: 'page',
        name: 'Product',
        messageId: `${prefix}-${i}`,
        anonymousId,
        timestamp,
        context,
        properties: { path: '/products/p12', title: 'Linen shirt' },
      };
    }
    return {
      type: 'track',
      event: NAMES[Math.floor(random() * NAMES.length)],
      messageId: `${prefix}-${i}`,
      anonymousId,
      timestamp,
      context,
      properties: {
        product_id: `p${Math.floor(random() * 200)}`,
        price: Math.round(random() * 20000) / 100,
        quantity: 1,
        cart_id: `cart-${anonymousId}`,
        currency: 'EUR',
      },
    };
  });
}
