/**
 * Figure paths: how an alert rule names one number of the figures document (metrics.md §6).
 *
 * Syntax — dot-separated field names from the document root, plus two ways to pick an entry:
 * - a list entry by its id in brackets: `rox.touchpoints[live_chat].rox`,
 *   `experiments[checkout-v2].variants[b].conversionRate`, `funnel.steps[Checkout Started].sessions`;
 * - a map entry by its key, after a dot or in brackets (brackets for keys that hold a dot):
 *   `traffic.byChannel.web.events` = `traffic.byChannel[web].events`, `quality.rejected.invalid_timestamp`.
 * Only numbers are addressable. A path that the document does not hold on a given day (a channel
 * without events, an experiment not running) resolves to null, like a null figure.
 */

/** How a figure reads: decides its formatting in alert messages. */
export type FigureUnit =
  /** Whole numbers of things. */
  | 'count'
  /** A fraction in [0, 1], shown as a percentage. */
  | 'rate'
  /** A return ratio (ROX), shown as a ratio with two decimals (8.64, -0.13), as everywhere. */
  | 'ratio'
  /** Site currency. */
  | 'money'
  /** NPS-like scores in points (−100…100). */
  | 'points'
  /** A mean score on a small scale (CES 1–7). */
  | 'score';

export interface FigureLeaf {
  kind: 'leaf';
  unit: FigureUnit;
  /** Readable name; `{0}`, `{1}` stand for the entry keys met on the way (touchpoint, channel, ...). */
  label: string;
  /** For counts: what is counted, as a plural noun ("carts"), used to show sample sizes. */
  noun?: string;
  /** The figure that tells how many observations this one rests on (same `{n}` placeholders). */
  sample?: string;
}

interface FigureObject {
  kind: 'object';
  fields: Readonly<Record<string, FigureNode>>;
}

interface FigureMap {
  kind: 'map';
  /** What the keys are, shown in the list of valid paths (`<channel>`). */
  placeholder: string;
  entry: FigureNode;
}

interface FigureList {
  kind: 'list';
  placeholder: string;
  /** The field of each element that brackets select on. */
  idField: string;
  entry: FigureNode;
}

export type FigureNode = FigureLeaf | FigureObject | FigureMap | FigureList;

const leaf = (
  unit: FigureUnit,
  label: string,
  extra: { noun?: string; sample?: string } = {},
): FigureLeaf => ({
  kind: 'leaf',
  unit,
  label,
  ...extra,
});
const object = (fields: Record<string, FigureNode>): FigureObject => ({ kind: 'object', fields });
const map = (placeholder: string, entry: FigureNode): FigureMap => ({ kind: 'map', placeholder, entry });
const list = (placeholder: string, idField: string, entry: FigureNode): FigureList => ({
  kind: 'list',
  placeholder,
  idField,
  entry,
});

const npsFields = (name: string, prefix: string) => ({
  responses: leaf('count', `${name} responses`, { noun: 'responses' }),
  promoters: leaf('count', `${name} promoters`, { noun: 'promoters' }),
  passives: leaf('count', `${name} passives`, { noun: 'passives' }),
  detractors: leaf('count', `${name} detractors`, { noun: 'detractors' }),
  score: leaf('points', name, { sample: `${prefix}.responses` }),
});

const touchpoint = 'rox.touchpoints[{0}]';
const outcome = 'outcomes.rox.touchpoints[{0}]';
const respondents = (group: string) =>
  object({
    respondents: leaf('count', `${group} who responded`, { noun: 'respondents' }),
    revenuePerRespondent: leaf(
      'money',
      `Revenue per ${group.toLowerCase().replace(/s$/, '')} in the 30 days after`,
      {
        sample: `customers.experienceValue.${group.toLowerCase()}.respondents`,
      },
    ),
    repurchaseRate: leaf('rate', `Repurchase rate of ${group.toLowerCase()} in the 30 days after`, {
      sample: `customers.experienceValue.${group.toLowerCase()}.respondents`,
    }),
  });
const variant = 'experiments[{0}].variants[{1}]';

/** The numeric figures of metrics.md §6 (document metadata such as `revision` is not a figure). */
export const FIGURE_TREE: FigureObject = object({
  traffic: object({
    events: leaf('count', 'Event volume', { noun: 'events' }),
    journeys: leaf('count', 'Journey count', { noun: 'journeys' }),
    sessions: leaf('count', 'Session count', { noun: 'sessions' }),
    pageviews: leaf('count', 'Page view count', { noun: 'page views' }),
    bounceRate: leaf('rate', 'Bounce rate', { sample: 'traffic.sessions' }),
    byChannel: map(
      'channel',
      object({
        events: leaf('count', 'Event volume on channel {0}', { noun: 'events' }),
        journeys: leaf('count', 'Journey count on channel {0}', { noun: 'journeys' }),
      }),
    ),
  }),
  funnel: object({
    steps: list(
      'event',
      'event',
      object({ sessions: leaf('count', 'Sessions reaching {0}', { noun: 'sessions' }) }),
    ),
    conversionRate: leaf('rate', 'Conversion rate', { sample: 'traffic.sessions' }),
  }),
  sales: object({
    orders: leaf('count', 'Order count', { noun: 'orders' }),
    revenue: leaf('money', 'Revenue', { sample: 'sales.orders' }),
    aov: leaf('money', 'Average order value', { sample: 'sales.orders' }),
    customers: leaf('count', 'Customer count', { noun: 'customers' }),
    refunds: leaf('count', 'Refund count', { noun: 'refunds' }),
    refundedValue: leaf('money', 'Refunded value', { sample: 'sales.refunds' }),
    netRevenue: leaf('money', 'Net revenue', { sample: 'sales.orders' }),
  }),
  carts: object({
    created: leaf('count', 'Carts created', { noun: 'carts' }),
    converted: leaf('count', 'Carts converted', { noun: 'converted carts' }),
    abandoned: leaf('count', 'Carts abandoned', { noun: 'abandoned carts' }),
    abandonmentRate: leaf('rate', 'Cart abandonment', { sample: 'carts.created' }),
    abandonedValue: leaf('money', 'Abandoned cart value', { sample: 'carts.abandoned' }),
  }),
  checkouts: object({
    started: leaf('count', 'Checkouts started', { noun: 'checkouts' }),
    completed: leaf('count', 'Checkouts completed', { noun: 'completed checkouts' }),
    abandonmentRate: leaf('rate', 'Checkout abandonment', { sample: 'checkouts.started' }),
  }),
  experience: object({
    nps: object(npsFields('NPS', 'experience.nps')),
    ces: object({
      responses: leaf('count', 'CES responses', { noun: 'responses' }),
      score: leaf('score', 'CES', { sample: 'experience.ces.responses' }),
    }),
    csat: object({
      responses: leaf('count', 'CSAT responses', { noun: 'responses' }),
      score: leaf('rate', 'CSAT', { sample: 'experience.csat.responses' }),
    }),
    enps: object({
      ...npsFields('eNPS', 'experience.enps'),
      byTeam: map(
        'team',
        object({
          responses: leaf('count', 'eNPS responses of team {0}', { noun: 'responses' }),
          score: leaf('points', 'eNPS of team {0}', { sample: 'experience.enps.byTeam[{0}].responses' }),
        }),
      ),
    }),
    friction: object({
      events: leaf('count', 'Friction events', { noun: 'friction events' }),
      sessionsWithFriction: leaf('count', 'Sessions with friction', { noun: 'sessions with friction' }),
      rate: leaf('rate', 'Friction rate', { sample: 'traffic.sessions' }),
      byKind: map('kind', leaf('count', 'Friction events of kind {0}', { noun: 'friction events' })),
      conversionWith: leaf('rate', 'Conversion rate of sessions with friction', {
        sample: 'experience.friction.sessionsWithFriction',
      }),
      conversionWithout: leaf('rate', 'Conversion rate of sessions without friction', {
        sample: 'traffic.sessions',
      }),
    }),
  }),
  rox: object({
    value: leaf('ratio', 'Site ROX', { sample: 'traffic.journeys' }),
    investment: leaf('money', 'ROX investment'),
    incrementalRevenue: leaf('money', 'Incremental revenue', { sample: 'traffic.journeys' }),
    attributedRevenue: leaf('money', 'Attributed revenue', { sample: 'sales.orders' }),
    touchpoints: list(
      'touchpoint',
      'touchpoint',
      object({
        dailyCost: leaf('money', 'Daily cost of {0}'),
        journeys: leaf('count', 'Journeys engaged with {0}', { noun: 'journeys' }),
        revenuePerJourneyEngaged: leaf('money', 'Revenue per journey engaged with {0}', {
          sample: `${touchpoint}.journeys`,
        }),
        revenuePerJourneyOthers: leaf('money', 'Revenue per journey not engaged with {0}', {
          sample: 'traffic.journeys',
        }),
        incrementalRevenue: leaf('money', 'Incremental revenue of {0}', { sample: `${touchpoint}.journeys` }),
        attributedRevenue: leaf('money', 'Attributed revenue of {0}', { sample: 'sales.orders' }),
        rox: leaf('ratio', 'ROX of {0}', { sample: `${touchpoint}.journeys` }),
        conversionRateEngaged: leaf('rate', 'Conversion rate of journeys engaged with {0}', {
          sample: `${touchpoint}.journeys`,
        }),
        conversionRateOthers: leaf('rate', 'Conversion rate of journeys not engaged with {0}', {
          sample: 'traffic.journeys',
        }),
        nps: leaf('points', 'NPS of {0}'),
        frictionRate: leaf('rate', 'Friction rate of {0}', { sample: `${touchpoint}.journeys` }),
        teamEnps: leaf('points', 'eNPS of the team behind {0}'),
      }),
    ),
  }),
  experiments: list(
    'experimentId',
    'experimentId',
    object({
      variants: list(
        'variationId',
        'variationId',
        object({
          journeys: leaf('count', 'Journeys in {0} variant {1}', { noun: 'journeys' }),
          orders: leaf('count', 'Orders in {0} variant {1}', { noun: 'orders' }),
          conversionRate: leaf('rate', 'Conversion rate of {0} variant {1}', {
            sample: `${variant}.journeys`,
          }),
          revenuePerJourney: leaf('money', 'Revenue per journey of {0} variant {1}', {
            sample: `${variant}.journeys`,
          }),
          cartAbandonmentRate: leaf('rate', 'Cart abandonment of {0} variant {1}', {
            sample: `${variant}.journeys`,
          }),
        }),
      ),
    }),
  ),
  outcomes: object({
    rox: object({
      windowDays: leaf('count', 'Exposure window', { noun: 'days' }),
      horizonDays: leaf('count', 'Outcome horizon', { noun: 'days' }),
      lookbackDays: leaf('count', 'Lookback', { noun: 'days' }),
      touchpoints: list(
        'touchpoint',
        'touchpoint',
        object({
          cost: leaf('money', 'Cost of {0} over the window'),
          exposed: leaf('count', 'Visits exposed to {0}', { noun: 'exposed visits' }),
          controls: leaf('count', 'Control visits for {0}', { noun: 'control visits' }),
          revenuePerJourneyExposed: leaf('money', 'Later revenue per visit exposed to {0}', {
            sample: `${outcome}.exposed`,
          }),
          revenuePerJourneyControl: leaf('money', 'Later revenue per visit not exposed to {0}', {
            sample: `${outcome}.controls`,
          }),
          naiveIncrementalRevenue: leaf('money', 'Naive incremental revenue of {0}', {
            sample: `${outcome}.exposed`,
          }),
          naiveRox: leaf('ratio', 'Naive ROX of {0}', { sample: `${outcome}.exposed` }),
          strata: leaf('count', 'Strata of {0}', { noun: 'strata' }),
          usableStrata: leaf('count', 'Usable strata of {0}', { noun: 'strata' }),
          coverage: leaf('rate', 'Coverage of the adjusted ROX of {0}', { sample: `${outcome}.exposed` }),
          incrementalRevenuePerJourney: leaf('money', 'Adjusted incremental revenue per visit of {0}', {
            sample: `${outcome}.exposed`,
          }),
          incrementalRevenuePerJourneyLow: leaf('money', 'Low end of the adjusted revenue per visit of {0}', {
            sample: `${outcome}.exposed`,
          }),
          incrementalRevenuePerJourneyHigh: leaf(
            'money',
            'High end of the adjusted revenue per visit of {0}',
            {
              sample: `${outcome}.exposed`,
            },
          ),
          incrementalRevenue: leaf('money', 'Adjusted incremental revenue of {0}', {
            sample: `${outcome}.exposed`,
          }),
          incrementalRevenueLow: leaf('money', 'Low end of the adjusted incremental revenue of {0}', {
            sample: `${outcome}.exposed`,
          }),
          incrementalRevenueHigh: leaf('money', 'High end of the adjusted incremental revenue of {0}', {
            sample: `${outcome}.exposed`,
          }),
          rox: leaf('ratio', 'Adjusted ROX of {0}', { sample: `${outcome}.exposed` }),
          roxLow: leaf('ratio', 'Low end of the adjusted ROX of {0}', { sample: `${outcome}.exposed` }),
          roxHigh: leaf('ratio', 'High end of the adjusted ROX of {0}', { sample: `${outcome}.exposed` }),
        }),
      ),
    }),
  }),
  customers: object({
    new: leaf('count', 'New customers', { noun: 'customers' }),
    returning: leaf('count', 'Returning customers', { noun: 'customers' }),
    repeatRate: leaf('rate', 'Repeat customer rate'),
    retention30: leaf('rate', '30-day retention'),
    ltv30: leaf('money', '30-day customer value'),
    retention90: leaf('rate', '90-day retention'),
    ltv90: leaf('money', '90-day customer value'),
    cohorts: list(
      'month',
      'month',
      object({ customers: leaf('count', 'Customers whose first order was in {0}', { noun: 'customers' }) }),
    ),
    experienceValue: object({
      promoters: respondents('Promoters'),
      passives: respondents('Passives'),
      detractors: respondents('Detractors'),
      gap: leaf('money', "Promoters' later revenue over detractors'"),
    }),
  }),
  quality: object({
    duplicates: leaf('count', 'Duplicate events', { noun: 'duplicates' }),
    unconvertedOrders: leaf('count', 'Unconverted orders', { noun: 'orders' }),
    lateEvents: leaf('count', 'Late events', { noun: 'late events' }),
    rejected: map('reason', leaf('count', 'Events rejected as {0}', { noun: 'rejected events' })),
  }),
});

/** One step of a parsed path: a field after a dot, or a key in brackets. */
export type PathSegment = { field: string } | { key: string };

/** Splits a path into segments, or undefined when it is not well-formed. */
export function parseFigurePath(path: string): PathSegment[] | undefined {
  const segments: PathSegment[] = [];
  let index = 0;
  while (index < path.length) {
    if (path[index] === '[') {
      const close = path.indexOf(']', index + 1);
      if (close <= index + 1) return undefined;
      segments.push({ key: path.slice(index + 1, close) });
      index = close + 1;
    } else {
      if (segments.length > 0) {
        if (path[index] !== '.') return undefined;
        index += 1;
      }
      const match = /^[^.[\]]+/.exec(path.slice(index));
      if (!match) return undefined;
      segments.push({ field: match[0] });
      index += match[0].length;
    }
  }
  return segments.length > 0 && 'field' in (segments[0] ?? {}) ? segments : undefined;
}

/** A path matched against the tree: its leaf and the entry keys it selects, in order. */
export interface ResolvedFigurePath {
  leaf: FigureLeaf;
  keys: string[];
  segments: PathSegment[];
}

/** Matches a path against the figure tree; undefined for a path that names no figure. */
export function matchFigurePath(path: string): ResolvedFigurePath | undefined {
  const segments = parseFigurePath(path);
  if (!segments) return undefined;
  let node: FigureNode = FIGURE_TREE;
  const keys: string[] = [];
  for (const segment of segments) {
    if (node.kind === 'leaf') return undefined;
    if (node.kind === 'object') {
      if (!('field' in segment) || !Object.hasOwn(node.fields, segment.field)) return undefined;
      const next: FigureNode | undefined = node.fields[segment.field];
      if (!next) return undefined;
      node = next;
    } else if (node.kind === 'map') {
      keys.push('field' in segment ? segment.field : segment.key);
      node = node.entry;
    } else {
      if (!('key' in segment)) return undefined;
      keys.push(segment.key);
      node = node.entry;
    }
  }
  return node.kind === 'leaf' ? { leaf: node, keys, segments } : undefined;
}

export function isFigurePath(path: string): boolean {
  return matchFigurePath(path) !== undefined;
}

/** Every addressable figure as a template (`rox.touchpoints[<touchpoint>].rox`), in document order. */
export function figurePathTemplates(): string[] {
  const templates: string[] = [];
  const walk = (node: FigureNode, prefix: string) => {
    if (node.kind === 'leaf') templates.push(prefix);
    else if (node.kind === 'object') {
      for (const [name, child] of Object.entries(node.fields))
        walk(child, prefix ? `${prefix}.${name}` : name);
    } else if (node.kind === 'map') walk(node.entry, `${prefix}.<${node.placeholder}>`);
    else walk(node.entry, `${prefix}[<${node.placeholder}>]`);
  };
  walk(FIGURE_TREE, '');
  return templates;
}

/** Fills `{0}`, `{1}` with the keys a path selected. */
export function fillKeys(template: string, keys: readonly string[]): string {
  return template.replace(/\{(\d+)\}/g, (whole, index: string) => keys[Number(index)] ?? whole);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The value of a figure in a figures document: a finite number, or null when the figure is null or
 * the document does not hold the entry (walks the tree, so no prototype property is ever read).
 */
export function resolveFigure(figures: unknown, path: string): number | null {
  const segments = parseFigurePath(path);
  if (!segments) return null;
  let node: FigureNode = FIGURE_TREE;
  let value: unknown = figures;
  for (const segment of segments) {
    if (node.kind === 'leaf') return null;
    if (node.kind === 'list') {
      if (!('key' in segment) || !Array.isArray(value)) return null;
      const idField = node.idField;
      value = value.find((element: unknown) => isRecord(element) && element[idField] === segment.key);
      node = node.entry;
      continue;
    }
    if (!isRecord(value)) return null;
    const name = 'field' in segment ? segment.field : segment.key;
    if (node.kind === 'object') {
      if (!('field' in segment)) return null;
      const next: FigureNode | undefined = Object.hasOwn(node.fields, name) ? node.fields[name] : undefined;
      if (!next) return null;
      node = next;
    } else {
      node = node.entry;
    }
    value = Object.hasOwn(value, name) ? value[name] : undefined;
  }
  return node.kind === 'leaf' && typeof value === 'number' && Number.isFinite(value) ? value : null;
}
