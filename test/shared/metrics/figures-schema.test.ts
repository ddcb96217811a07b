import { describe, expect, it } from 'vitest';
import { figuresDocumentOf } from '../../../shared/metrics/figures-schema';
import { figuresOf, order, page } from './fixtures';

describe('figuresDocumentOf (stored figures read back)', () => {
  const document = figuresOf([
    page({ at: '2026-10-24T10:00', anon: 'A' }),
    order({ at: '2026-10-24T10:05', anon: 'A', props: { order_id: 'o1', revenue: 30 } }),
  ]);

  it('gives back a computed document as it was stored', () => {
    const stored: unknown = JSON.parse(JSON.stringify(document));
    expect(figuresDocumentOf(stored, 'test-shop on 2026-10-24')).toEqual(document);
  });

  it.each([
    ['a document without its traffic section', { ...document, traffic: undefined }, 'traffic'],
    ['an outcomes section that is not an object', { ...document, outcomes: [] }, 'outcomes'],
    ['a status that is neither provisional nor final', { ...document, status: 'done' }, 'status'],
    ['a revision that is not a whole number', { ...document, revision: 1.5 }, 'revision'],
    ['experiments that are not a list', { ...document, experiments: {} }, 'experiments'],
  ])('refuses %s, naming the day and the field', (_, value, field) => {
    expect(() => figuresDocumentOf(value, 'test-shop on 2026-10-24')).toThrow(
      new RegExp(`stored figures of test-shop on 2026-10-24 are not a figures document \\(${field}:`),
    );
  });

  it('reads a day computed before outcomes and customers existed (its readers say they are missing)', () => {
    const { outcomes: _outcomes, customers: _customers, ...older } = document;
    expect(figuresDocumentOf(older, 'test-shop on 2026-10-24')).toEqual(older);
  });

  it('refuses a value that is no document at all', () => {
    expect(() => figuresDocumentOf('figures', 'test-shop on 2026-10-24')).toThrow(/\(\(document\):/);
  });
});
