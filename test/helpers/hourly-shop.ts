/**
 * A shop written straight into the archive for hourly-alert tests: day/night and weekday/weekend
 * seasonality, visits that add to a cart and every second one ordered, and an optional checkout
 * outage (orders stop, carts keep coming). Deterministic: the same shop gives the same events.
 */
import { seededRandom } from '../../bench/sample-events';
import type { NormalizedEvent } from '../../shared/events/types';
import { archiveKeyFor, putObjects, toNdjsonGzip } from '../../shared/storage/archive';
import type { StorageClients } from '../../shared/storage/clients';
import { localDateHour, localHourSlots } from '../../shared/time';

const HOUR = 3_600_000;
const MINUTE = 60_000;

export interface HourlyShop {
  site: string;
  timezone: string;
  days: readonly string[];
  /** Visits in a day-time weekday hour. */
  visitsPerHour: number;
  checkoutBroken?: { from: number; to: number };
}

/** Visits in an hour relative to a weekday's day-time hour: night, shoulders and day; weekends at 60 %. */
function profileOf(date: string, hour: number): number {
  const profile = hour < 7 ? 0.1 : hour < 9 ? 0.5 : hour < 21 ? 1 : 0.4;
  const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
  return profile * (weekday === 0 || weekday === 6 ? 0.6 : 1);
}

export function hourlyShopEvents(shop: HourlyShop): Map<string, NormalizedEvent[]> {
  const random = seededRandom(19);
  const partitions = new Map<string, NormalizedEvent[]>();
  let sequence = 0;
  const emit = (
    time: number,
    anonymousId: string,
    type: 'page' | 'track',
    name: string,
    properties?: NormalizedEvent['properties'],
  ) => {
    sequence += 1;
    const timestamp = new Date(time).toISOString();
    const { date, hour } = localDateHour(time, shop.timezone);
    const id = `${date}|${hour}`;
    const list = partitions.get(id) ?? [];
    list.push({
      messageId: `m-${sequence}`,
      type,
      site: shop.site,
      anonymousId,
      timestamp,
      originalTimestamp: timestamp,
      receivedAt: new Date(time + 5_000).toISOString(),
      ...(type === 'track' ? { event: name } : { name }),
      ...(properties ? { properties } : {}),
    });
    partitions.set(id, list);
  };
  for (const date of shop.days) {
    for (const slot of localHourSlots(date, shop.timezone)) {
      const visits = Math.round(
        shop.visitsPerHour * profileOf(date, Number(slot.hour)) * (0.9 + 0.2 * random()),
      );
      for (let visit = 0; visit < visits; visit++) {
        const start = slot.start + Math.floor(((visit + random()) / visits) * HOUR * 0.999);
        const visitor = `v-${sequence}-${visit}`;
        emit(start, visitor, 'page', 'Home');
        emit(start + MINUTE, visitor, 'page', 'Product');
        if ((visit * 3) % 5 >= 2) continue;
        const cart = `c-${visitor}`;
        emit(start + 2 * MINUTE, visitor, 'track', 'Product Added', {
          cart_id: cart,
          price: 20,
          quantity: 1,
        });
        const orderAt = start + 6 * MINUTE;
        const broken = shop.checkoutBroken;
        if (visit % 2 === 0 && !(broken && orderAt >= broken.from && orderAt < broken.to)) {
          emit(orderAt, visitor, 'track', 'Order Completed', {
            cart_id: cart,
            order_id: `o-${visitor}`,
            total: 20,
            currency: 'EUR',
          });
        }
      }
    }
  }
  return partitions;
}

/** Writes the shop's events into the archive, one object per hour partition. */
export async function archiveHourlyShop(clients: StorageClients, shop: HourlyShop): Promise<void> {
  const objects = [...hourlyShopEvents(shop)].map(([id, events]) => {
    const [date = '', hour = ''] = id.split('|');
    return { key: archiveKeyFor(shop.site, { date, hour }, `sim-${id}`), body: toNdjsonGzip(events) };
  });
  for (let i = 0; i < objects.length; i += 50) await putObjects(clients, objects.slice(i, i + 50));
}
