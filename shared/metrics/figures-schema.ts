/**
 * The figures document as it is read back from DynamoDB (storage/table.ts queryFigures): checked against
 * the contract's shape (metrics.md "Figures JSON") before anything serves it, so an item written by
 * hand, truncated or of another kind fails with its site and day named instead of surfacing later
 * as a missing field in the dashboard or an alert rule that never fires.
 *
 * The envelope is checked field by field; each section must be an object (`experiments` a list):
 * their fields are checked where they are computed (figures.ts and the section modules). `outcomes`
 * and `customers` may be absent: days computed before §7–8 existed lack them until recomputed, and
 * every reader says so (the CLI's "not computed yet", the dashboard's empty views).
 */
import * as z from 'zod/mini';
import type { FiguresDocument } from './figures';

const section = z.record(z.string(), z.unknown());

const figuresEnvelope = z.object({
  site: z.string().check(z.minLength(1)),
  date: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/)),
  timezone: z.string().check(z.minLength(1)),
  currency: z.string().check(z.minLength(1)),
  status: z.enum(['provisional', 'final']),
  revision: z.number().check(z.int(), z.gte(0)),
  computedAt: z.string().check(z.minLength(1)),
  traffic: section,
  funnel: section,
  sales: section,
  carts: section,
  checkouts: section,
  experience: section,
  rox: section,
  experiments: z.array(section),
  quality: section,
  outcomes: z.optional(section),
  customers: z.optional(section),
});

function isFiguresDocument(value: unknown): value is FiguresDocument {
  return figuresEnvelope.safeParse(value).success;
}

/** `value` as a figures document; throws naming `where` and the first field that does not fit. */
export function figuresDocumentOf(value: unknown, where: string): FiguresDocument {
  if (isFiguresDocument(value)) return value;
  const issue = figuresEnvelope.safeParse(value).error?.issues[0];
  const field = issue?.path.join('.') || '(document)';
  throw new Error(`the stored figures of ${where} are not a figures document (${field}: ${issue?.message})`);
}
