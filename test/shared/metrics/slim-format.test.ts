/**
 * The trap of slimming (issue 20, item 7): a figure that reads an event field slim.ts does not keep
 * reads nothing in the aggregator, and partials stored before a change to slimming hold events of the
 * old shape until PARTIAL_FORMAT changes. Both fail here instead of in production.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JsonObject, NormalizedEvent } from '../../../shared/events/types';
import { PARTIAL_FORMAT } from '../../../shared/metrics/partial';
import { SLIMMED_FIELDS, slimForFigures } from '../../../shared/metrics/slim';

/**
 * Every slimming the partials were stored with, oldest first. When slimming changes (a key added to
 * SLIMMED_FIELDS, a change to slimForFigures), bump PARTIAL_FORMAT in shared/metrics/partial.ts and
 * append `{ format: <the new PARTIAL_FORMAT>, slimming: <the digest the failure prints> }`.
 */
const FORMATS: readonly { format: number; slimming: string }[] = [
  { format: 4, slimming: '5be028795763d702' },
];

const ROOT = join(__dirname, '../../..');

/** An event holding every field slimming keeps and some it drops, each with a distinct value. */
function sampleEvent(): NormalizedEvent {
  const sampleValue = (name: string) => `${name}-value`;
  const object = (names: readonly string[]): JsonObject =>
    Object.fromEntries(names.map((name) => [name, sampleValue(name)]));
  return {
    ...object([...SLIMMED_FIELDS.topLevel, 'userAgent', 'page', 'library']),
    properties: {
      ...object([...SLIMMED_FIELDS.properties, 'path', 'url', 'sku']),
      products: [object([...SLIMMED_FIELDS.productLine, 'sku', 'name']), 'not-an-object'],
    },
    context: object([...SLIMMED_FIELDS.context, 'userAgent', 'ip', 'locale']),
  } as unknown as NormalizedEvent;
}

function slimmingDigest(): string {
  const slimmed = [slimForFigures(sampleEvent()), slimForFigures({ ...sampleEvent(), properties: {} })];
  return createHash('sha256')
    .update(JSON.stringify({ fields: SLIMMED_FIELDS, slimmed }))
    .digest('hex')
    .slice(0, 16);
}

/** Source files of the figures (and of the alerts computed from slimmed events), comments removed. */
function figureSources(): { file: string; code: string }[] {
  const files: { file: string; code: string }[] = [];
  for (const folder of ['shared/metrics', 'shared/alerts']) {
    for (const name of readdirSync(join(ROOT, folder))) {
      if (!name.endsWith('.ts') || name === 'slim.ts' || name === 'properties.ts') continue;
      const source = readFileSync(join(ROOT, folder, name), 'utf8');
      const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
      files.push({ file: `${folder}/${name}`, code });
    }
  }
  return files;
}

type Place = 'properties' | 'context' | 'productLine';

/** The fields the figures read of `properties`, `context` and product lines, with where each is read. */
function fieldsRead(): { place: Place; field: string; file: string }[] {
  const reads: { place: Place; field: string; file: string }[] = [];
  const patterns: [Place, RegExp][] = [
    ['properties', /\b(?:stringField|numberField|idField)\(\s*[\w.?]*\bproperties\s*,\s*'([^']+)'/g],
    ['context', /\b(?:stringField|numberField|idField)\(\s*[\w.?]*\bcontext\s*,\s*'([^']+)'/g],
    ['properties', /\bproperties\??\.(\w+)/g],
    ['properties', /\bproperties\??\.?\[\s*'([^']+)'\s*\]/g],
    ['context', /\bcontext\??\.(\w+)/g],
    ['context', /\bcontext\??\.?\[\s*'([^']+)'\s*\]/g],
    ['productLine', /\b(?:line|product)\??\.(\w+)/g],
  ];
  for (const { file, code } of figureSources()) {
    for (const [place, pattern] of patterns) {
      for (const match of code.matchAll(pattern)) {
        if (match[1] !== undefined) reads.push({ place, field: match[1], file });
      }
    }
  }
  return reads;
}

describe('slimming events for the figures', () => {
  it('keeps every field of properties, context and product lines that a figure reads', () => {
    const kept: Record<Place, ReadonlySet<string>> = {
      // `products` is kept whole (its lines slimmed to productLine).
      properties: new Set<string>([...SLIMMED_FIELDS.properties, 'products']),
      context: new Set<string>(SLIMMED_FIELDS.context),
      productLine: new Set<string>(SLIMMED_FIELDS.productLine),
    };
    const reads = fieldsRead();
    // The scan finds the reads it is meant to: one from each place at least.
    expect(reads).toContainEqual({ place: 'properties', field: 'order_id', file: 'shared/metrics/day.ts' });
    expect(reads).toContainEqual({ place: 'context', field: 'channel', file: 'shared/metrics/journeys.ts' });
    expect(reads).toContainEqual({ place: 'productLine', field: 'price', file: 'shared/metrics/money.ts' });
    const dropped = reads.filter((read) => !kept[read.place].has(read.field));
    expect(
      dropped,
      'a figure reads a field that slimming drops: add it to SLIMMED_FIELDS in shared/metrics/slim.ts and bump PARTIAL_FORMAT',
    ).toEqual([]);
  });

  it('reads no field of properties or context by a computed name the check above cannot see', () => {
    const computed = figureSources().flatMap(({ file, code }) =>
      [...code.matchAll(/\b(?:properties|context)\??\.?\[\s*(?!['\s])([^\]]+)\]/g)].map(
        (match) => `${file}: ${match[0]}`,
      ),
    );
    expect(computed, 'read properties and context by literal names, so the slimming check sees them').toEqual(
      [],
    );
  });

  it('changes PARTIAL_FORMAT whenever it changes what partials hold', () => {
    const digest = slimmingDigest();
    const latest = FORMATS.at(-1);
    expect(
      latest?.slimming,
      `slimming changed (fields or slimForFigures): bump PARTIAL_FORMAT in shared/metrics/partial.ts (now ${PARTIAL_FORMAT}) ` +
        `and append { format: ${PARTIAL_FORMAT + 1}, slimming: '${digest}' } to FORMATS in this test`,
    ).toBe(digest);
    expect(
      latest?.format,
      `PARTIAL_FORMAT is ${PARTIAL_FORMAT}, the slimming record says ${latest?.format}: bump PARTIAL_FORMAT to the recorded format`,
    ).toBe(PARTIAL_FORMAT);
    // Formats only grow and no slimming comes back under a new number: a partial's format names one shape.
    const formats = FORMATS.map((entry) => entry.format);
    expect(formats).toEqual([...formats].sort((a, b) => a - b));
    expect(new Set(formats).size).toBe(formats.length);
    expect(new Set(FORMATS.map((entry) => entry.slimming)).size).toBe(FORMATS.length);
  });
});
