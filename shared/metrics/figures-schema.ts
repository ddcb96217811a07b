/**
 * The figures document as it is read back from DynamoDB (storage/table.ts queryFigures): checked against
 * the contract's shape (metrics.md §4, §6–8) before anything serves it, so an item written by hand,
 * truncated, of another kind or of an older shape fails with its site, day and field named
 * (`funnel.steps[2].sessions`) instead of surfacing later as a missing figure in the dashboard or an
 * alert rule that never fires.
 *
 * Every section is checked field by field, and the schema is tied to the figures types
 * (`FiguresDocument` and the section modules) at compile time: see `SchemaMatchesFiguresTypes` below.
 * `outcomes` and `customers` may be absent: days computed before §7–8 existed lack them until
 * recomputed, and every reader says so (the CLI's "not computed yet", the dashboard's empty views).
 * Fields the schema does not know are let through (the document is returned as stored), so a reader
 * older than the writer still serves a day.
 */
import * as z from 'zod/mini';
import type { FiguresDocument } from './figures';

/** Whole numbers of things (events, sessions, orders, responses, days). */
const count = z.number().check(z.int(), z.gte(0));
/** Money, scores and ratios: any finite number (zod refuses NaN and ±Infinity; JSON holds neither). */
const amount = z.number();
/** A rate or ratio whose denominator may be 0 (metrics.md §4), or a figure of an empty group. */
const nullableAmount = z.nullable(amount);
/** A map keyed by values a client sends (channels, kinds, teams, reasons): bounded.ts keeps it small. */
const byClientKey = <Entry extends z.ZodMiniType>(entry: Entry) => z.record(z.string(), entry);

const traffic = z.object({
  events: count,
  journeys: count,
  sessions: count,
  pageviews: count,
  bounceRate: nullableAmount,
  byChannel: byClientKey(z.object({ events: count, journeys: count })),
});

const funnel = z.object({
  steps: z.array(z.object({ event: z.string(), sessions: count })),
  conversionRate: nullableAmount,
});

const sales = z.object({
  orders: count,
  revenue: amount,
  aov: nullableAmount,
  customers: count,
  refunds: count,
  refundedValue: amount,
  netRevenue: amount,
});

const carts = z.object({
  created: count,
  converted: count,
  abandoned: count,
  abandonmentRate: nullableAmount,
  abandonedValue: amount,
});

const checkouts = z.object({ started: count, completed: count, abandonmentRate: nullableAmount });

const npsFields = {
  responses: count,
  promoters: count,
  passives: count,
  detractors: count,
  score: nullableAmount,
};
const scoreFigures = z.object({ responses: count, score: nullableAmount });

const experience = z.object({
  nps: z.object(npsFields),
  ces: scoreFigures,
  csat: scoreFigures,
  enps: z.object({ ...npsFields, byTeam: byClientKey(scoreFigures) }),
  friction: z.object({
    events: count,
    sessionsWithFriction: count,
    rate: nullableAmount,
    byKind: byClientKey(count),
    conversionWith: nullableAmount,
    conversionWithout: nullableAmount,
  }),
});

const rox = z.object({
  value: nullableAmount,
  investment: amount,
  incrementalRevenue: amount,
  attributedRevenue: amount,
  touchpoints: z.array(
    z.object({
      touchpoint: z.string(),
      dailyCost: amount,
      journeys: count,
      revenuePerJourneyEngaged: nullableAmount,
      revenuePerJourneyOthers: nullableAmount,
      incrementalRevenue: nullableAmount,
      attributedRevenue: amount,
      rox: nullableAmount,
      conversionRateEngaged: nullableAmount,
      conversionRateOthers: nullableAmount,
      nps: nullableAmount,
      frictionRate: nullableAmount,
      team: z.nullable(z.string()),
      teamEnps: nullableAmount,
    }),
  ),
});

const experiment = z.object({
  experimentId: z.string(),
  variants: z.array(
    z.object({
      variationId: z.string(),
      journeys: count,
      orders: count,
      conversionRate: nullableAmount,
      revenuePerJourney: nullableAmount,
      cartAbandonmentRate: nullableAmount,
    }),
  ),
});

const quality = z.object({
  duplicates: count,
  unconvertedOrders: count,
  lateEvents: count,
  rejected: byClientKey(count),
});

const isoDate = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/));

/** metrics.md §7. */
const outcomes = z.object({
  rox: z.object({
    exposureFrom: isoDate,
    exposureTo: isoDate,
    windowDays: count,
    horizonDays: count,
    lookbackDays: count,
    touchpoints: z.array(
      z.object({
        touchpoint: z.string(),
        cost: amount,
        exposed: count,
        controls: count,
        revenuePerJourneyExposed: nullableAmount,
        revenuePerJourneyControl: nullableAmount,
        naiveIncrementalRevenue: nullableAmount,
        naiveRox: nullableAmount,
        strata: count,
        usableStrata: count,
        coverage: nullableAmount,
        incrementalRevenuePerJourney: nullableAmount,
        incrementalRevenuePerJourneyLow: nullableAmount,
        incrementalRevenuePerJourneyHigh: nullableAmount,
        incrementalRevenue: nullableAmount,
        incrementalRevenueLow: nullableAmount,
        incrementalRevenueHigh: nullableAmount,
        rox: nullableAmount,
        roxLow: nullableAmount,
        roxHigh: nullableAmount,
        verdict: z.nullable(z.enum(['pays', 'loses', 'unclear'])),
      }),
    ),
  }),
});

const respondentGroup = z.object({
  respondents: count,
  revenuePerRespondent: nullableAmount,
  repurchaseRate: nullableAmount,
});

/** metrics.md §8. */
const customers = z.object({
  new: count,
  returning: count,
  repeatRate: nullableAmount,
  retention30: nullableAmount,
  ltv30: nullableAmount,
  retention90: nullableAmount,
  ltv90: nullableAmount,
  cohorts: z.array(
    z.object({
      month: z.string().check(z.regex(/^\d{4}-\d{2}$/)),
      customers: count,
      retained: z.array(amount),
      revenuePerCustomer: z.array(amount),
    }),
  ),
  experienceValue: z.object({
    from: isoDate,
    to: isoDate,
    promoters: respondentGroup,
    passives: respondentGroup,
    detractors: respondentGroup,
    gap: nullableAmount,
  }),
});

/** A stored figures document (metrics.md §6), section by section. */
export const storedFiguresSchema = z.object({
  site: z.string().check(z.minLength(1)),
  date: isoDate,
  timezone: z.string().check(z.minLength(1)),
  currency: z.string().check(z.minLength(1)),
  status: z.enum(['provisional', 'final']),
  revision: count,
  computedAt: z.string().check(z.minLength(1)),
  traffic,
  funnel,
  sales,
  carts,
  checkouts,
  experience,
  rox,
  experiments: z.array(experiment),
  quality,
  outcomes: z.optional(outcomes),
  customers: z.optional(customers),
});

/** The sections a day computed before metrics.md §7–8 existed lacks. */
type AcrossDaysSection = 'outcomes' | 'customers';

/** FiguresDocument as it may be stored: the across-days sections optional, everything else as computed. */
export type StoredFiguresDocument = Omit<FiguresDocument, AcrossDaysSection> &
  Partial<Pick<FiguresDocument, AcrossDaysSection>>;

/** True when A and B are the same type (the identity check TypeScript's own type tests use). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Flat<T> = { [K in keyof T]: T[K] };
type MustBeTrue<Check extends true> = Check;

/**
 * Fails typecheck when the schema and the figures types disagree on any field of any section: a figure
 * added, removed, renamed, made nullable or retyped in figures.ts or a section module must be made here
 * too (and the other way round).
 */
export type SchemaMatchesFiguresTypes = MustBeTrue<
  Same<z.infer<typeof storedFiguresSchema>, Flat<StoredFiguresDocument>>
>;

/** An issue's path as the figures paths read: `funnel.steps[2].sessions`, `traffic.byChannel.web`. */
function fieldPathOf(path: readonly PropertyKey[]): string {
  return path
    .map((step, index) =>
      typeof step === 'number' ? `[${step}]` : `${index === 0 ? '' : '.'}${String(step)}`,
    )
    .join('');
}

/**
 * Whether `value` fits the schema. Typed as the computed document although `outcomes` and `customers`
 * may be absent: their readers narrow them (see above) rather than every reader of the other sections.
 */
function isFiguresDocument(value: unknown): value is FiguresDocument {
  return storedFiguresSchema.safeParse(value).success;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/** What is wrong with a field, in words: zod/mini carries no messages of its own ("Invalid input"). */
function problemOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `missing (expected ${issue.expected})`;
      return `expected ${issue.expected === 'int' ? 'a whole number' : issue.expected}, got ${kindOf(issue.input)}`;
    case 'too_small':
      return `below ${String(issue.minimum)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      return `not a ${issue.format === 'regex' && issue.pattern ? issue.pattern : issue.format}`;
    default:
      return issue.message;
  }
}

/**
 * `value` as a figures document — the stored value itself, not zod's copy, so keys the schema does not
 * know stay, in their order; throws naming `where`, the first field that does not fit and why.
 */
export function figuresDocumentOf(value: unknown, where: string): FiguresDocument {
  if (isFiguresDocument(value)) return value;
  const issue = storedFiguresSchema.safeParse(value, { reportInput: true }).error?.issues[0];
  const field = (issue && fieldPathOf(issue.path)) || '(document)';
  const problem = issue ? problemOf(issue) : 'does not fit';
  throw new Error(`the stored figures of ${where} are not a figures document (${field}: ${problem})`);
}
