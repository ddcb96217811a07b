/**
 * The exposure window of metrics.md §7 as sufficient statistics: per priced touchpoint and stratum,
 * the group sizes and Y sums ("Units", "Stratum", "adjusted"), the naive comparison's sums, and per
 * journey the (count, Y sum) of its units in each stratum and group, what the journey-clustered
 * variance ("Interval") needs once the strata's means and weights are known.
 *
 * The statistics are additive, which lets a day's run skip its window: a unit's Y up to the start of
 * D depends on orders before D only, and no later order changes those. Every unit of the window is
 * folded once with that Y into an `OutcomesPrefix` (sums, and for the journeys that have no unit
 * whose horizon reaches into D, the Gram matrix of their vectors, centred on the prefix's stratum
 * means so the interval loses no precision). The units whose horizon does reach into D (all of day
 * D−h's, and the few of earlier days a DST change or a session past midnight brings) are kept as
 * pending, with their journeys' vectors whole; each run of D reads the prefix and adds what D's orders
 * add to the Y of the pending units of the journeys that ordered on D. The result is the one a walk of
 * the whole window gives, up to the order of floating-point sums.
 */
import type { CustomerLedger, LedgerOrder } from './derived';
import type { Growing, NumberColumn, SessionColumns } from './session-columns';

const STAGES = 5;
const Z_90 = 1.6449;
const EXPOSED = 0;
const CONTROL = 1;
/** Gram matrix cells by (a, b) with dims below 2^21 (2^20 strata). */
const PAIR = 2 ** 21;

export type Verdict = 'pays' | 'loses' | 'unclear';

export interface OutcomeTouchpointFigures {
  touchpoint: string;
  /** dailyCost × windowDays. */
  cost: number;
  exposed: number;
  controls: number;
  revenuePerJourneyExposed: number | null;
  revenuePerJourneyControl: number | null;
  naiveIncrementalRevenue: number | null;
  naiveRox: number | null;
  strata: number;
  usableStrata: number;
  coverage: number | null;
  incrementalRevenuePerJourney: number | null;
  incrementalRevenuePerJourneyLow: number | null;
  incrementalRevenuePerJourneyHigh: number | null;
  incrementalRevenue: number | null;
  incrementalRevenueLow: number | null;
  incrementalRevenueHigh: number | null;
  rox: number | null;
  roxLow: number | null;
  roxHigh: number | null;
  verdict: Verdict | null;
}

/** Σ values of `orders` (by time) with time in (from, to] and before `before`. */
export function valueBetween(
  orders: readonly LedgerOrder[] | undefined,
  from: number,
  to: number,
  before: number,
): number {
  if (orders === undefined) return 0;
  let low = 0;
  let high = orders.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((orders[mid]?.time ?? 0) <= from) low = mid + 1;
    else high = mid;
  }
  let sum = 0;
  for (let i = low; i < orders.length; i++) {
    const order = orders[i];
    if (order === undefined || order.time > to || order.time >= before) break;
    sum += order.value;
  }
  return sum;
}

/** Whether `orders` (by time) holds one with time in [from, to). */
function hasOrderIn(orders: readonly LedgerOrder[] | undefined, from: number, to: number): boolean {
  if (orders === undefined) return false;
  let low = 0;
  let high = orders.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((orders[mid]?.time ?? 0) < from) low = mid + 1;
    else high = mid;
  }
  const order = orders[low];
  return order !== undefined && order.time < to;
}

/**
 * Two 32-bit hashes of the UTF-16 code units (FNV-1a, and a multiply-rotate with another constant),
 * 52 bits of them together (exact in a double): ~1 collision in 10^9 pairs of journeys, which would
 * only cluster two journeys' units as one in the variance.
 */
export function hash52(value: string): number {
  let low = 0x811c9dc5;
  let high = 0x050c5d1f;
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    low = Math.imul(low ^ code, 0x01000193);
    high = Math.imul(((high << 5) | (high >>> 27)) ^ code, 0x5bd1e995);
  }
  high ^= high >>> 15;
  return ((high >>> 0) & 0xfffff) * 0x1_0000_0000 + (low >>> 0);
}

/** Group sizes and Y sums of one touchpoint, by stratum id. */
interface StrataSums {
  /** −1 for a stratum in which the touchpoint has no unit. */
  exposed: number[];
  controls: number[];
  sumExposed: number[];
  sumControls: number[];
  /** Strata in which the touchpoint has a unit, in order of first unit. */
  seen: number[];
}

/** The naive comparison's sums (§7 "naive"): all exposed units, and the stage-0 never-exposed controls. */
interface NaiveSums {
  exposed: number;
  sumExposed: number;
  controls: number;
  naiveControls: number;
  sumNaive: number;
}

/** A journey's units' (count, Y sum) per touchpoint and dim (stratum × 2 + group), as columns. */
interface VectorColumns {
  /** The journeys' 52-bit hashes. */
  journeys: NumberColumn;
  /** n + 1 offsets into the entry columns. */
  offsets: NumberColumn;
  t: NumberColumn;
  d: NumberColumn;
  n: NumberColumn;
  s: NumberColumn;
}

/** Σ over journeys of x xᵀ for one touchpoint, x = (S − n·c, n) per dim: the pairs a ≤ b present. */
interface GramColumns {
  a: NumberColumn;
  b: NumberColumn;
  ss: NumberColumn;
  sn: NumberColumn;
  ns: NumberColumn;
  nn: NumberColumn;
}

/**
 * The units whose horizon reaches into D, by journey: their Y up to the start of D is folded, and
 * every run adds what D's orders bring them.
 */
interface PendingColumns {
  /** The journeys (ids as the ledger knows them); their units are [offsets[j], offsets[j + 1]). */
  journeys: string[];
  offsets: NumberColumn;
  /** t × 4 + group × 2 + (naive control ? 1 : 0). */
  code: NumberColumn;
  stratum: NumberColumn;
  /** τ − the start of D, ms. */
  tau: NumberColumn;
}

/** The folded units of D's exposure window (see the module comment). JSON-safe but for typed arrays. */
export interface OutcomesPrefix {
  /** Channel names in id order, and strata keys in id order (the keys name channels by id). */
  channels: string[];
  strata: NumberColumn;
  sums: Readonly<Record<keyof StrataSums, NumberColumn>>[];
  naive: NaiveSums[];
  /** Per touchpoint and dim: the prefix's mean Y, what its Gram matrix is centred on. */
  centers: NumberColumn[];
  gram: GramColumns[];
  /** Journeys with pending units: their vectors kept whole. */
  open: VectorColumns;
  pending: PendingColumns;
}

/** Per-journey vectors in growable typed arrays: entries of one journey linked from its head. */
class JourneyVectors {
  readonly heads = new Map<number, number>();
  length = 0;
  t: Int32Array;
  d: Int32Array;
  next: Int32Array;
  n: Float64Array;
  s: Float64Array;

  constructor(capacity = 1024) {
    this.t = new Int32Array(capacity);
    this.d = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
    this.n = new Float64Array(capacity);
    this.s = new Float64Array(capacity);
  }

  add(journey: number, t: number, d: number, count: number, sum: number): void {
    const head = this.heads.get(journey);
    for (let entry = head ?? -1; entry >= 0; entry = this.next[entry] ?? -1) {
      if (this.t[entry] === t && this.d[entry] === d) {
        this.n[entry] = (this.n[entry] ?? 0) + count;
        this.s[entry] = (this.s[entry] ?? 0) + sum;
        return;
      }
    }
    this.append(journey, t, d, count, sum);
  }

  /** Adds a new (t, d) entry for the journey; it must not have one yet. */
  append(journey: number, t: number, d: number, count: number, sum: number): void {
    const head = this.heads.get(journey);
    if (this.length === this.t.length) this.grow();
    const entry = this.length;
    this.t[entry] = t;
    this.d[entry] = d;
    this.n[entry] = count;
    this.s[entry] = sum;
    this.next[entry] = head ?? -1;
    this.heads.set(journey, entry);
    this.length += 1;
  }

  /**
   * Adds the stored entries `[from, to)` of `columns` to the journey, new (t, d) pairs of it, linked
   * as `append` one at a time would link them.
   */
  appendStored(journey: number, columns: VectorColumns, from: number, to: number): void {
    if (to <= from) return;
    while (this.length + (to - from) > this.t.length) this.grow();
    const first = this.length;
    const head = this.heads.get(journey) ?? -1;
    for (let e = from; e < to; e += 1) {
      const entry = first + (e - from);
      this.t[entry] = columns.t[e] ?? 0;
      this.d[entry] = columns.d[e] ?? 0;
      this.n[entry] = columns.n[e] ?? 0;
      this.s[entry] = columns.s[e] ?? 0;
      this.next[entry] = entry === first ? head : entry - 1;
    }
    this.length = first + (to - from);
    this.heads.set(journey, this.length - 1);
  }

  private grow(): void {
    const size = this.t.length * 2;
    const grown = <T extends Int32Array | Float64Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    this.t = grown(this.t, new Int32Array(size));
    this.d = grown(this.d, new Int32Array(size));
    this.next = grown(this.next, new Int32Array(size));
    this.n = grown(this.n, new Float64Array(size));
    this.s = grown(this.s, new Float64Array(size));
  }
}

function emptySums(): StrataSums {
  return { exposed: [], controls: [], sumExposed: [], sumControls: [], seen: [] };
}

function touch(sums: StrataSums, stratum: number): void {
  while (sums.exposed.length <= stratum) {
    sums.exposed.push(-1);
    sums.controls.push(0);
    sums.sumExposed.push(0);
    sums.sumControls.push(0);
  }
  if ((sums.exposed[stratum] ?? 0) < 0) {
    sums.exposed[stratum] = 0;
    sums.seen.push(stratum);
  }
}

/** What the walk of one day needs beyond its sessions. */
export interface WindowSettings {
  /** The priced touchpoints, sorted: touchpoint t is `priced[t]`. */
  priced: readonly string[];
  ledger: CustomerLedger;
  horizonMs: number;
  lookbackMs: number;
  /** The start of D. */
  startOfDay: number;
  /** The end of D: no order at or after it is read. */
  endOfDay: number;
}

/** The statistics of the units added so far, and the folded prefix they started from. */
export class WindowStatistics {
  private readonly channelIds = new Map<string, number>();
  private readonly channelNames: string[] = [];
  private readonly strata = new Map<number, number>();
  private readonly strataKeys: number[] = [];
  private readonly journeyIds = new Map<number, number>();
  private readonly journeyHashes: number[] = [];
  readonly sums: StrataSums[];
  readonly naive: NaiveSums[];
  readonly vectors: JourneyVectors;
  readonly centers: NumberColumn[];
  readonly gram: GramColumns[];

  constructor(
    readonly settings: WindowSettings,
    prefix?: OutcomesPrefix,
  ) {
    const count = settings.priced.length;
    // Room for the prefix's entries and what the day adds: no doubling while they are copied in.
    this.vectors = new JourneyVectors(Math.max(1024, Math.ceil((prefix?.open.t.length ?? 0) * 1.25)));
    for (const name of prefix?.channels ?? []) this.channelId(name);
    const strata = prefix?.strata ?? [];
    for (let s = 0; s < strata.length; s += 1) this.stratumId(strata[s] ?? 0);
    // Copies: the sums grow with the units added to them.
    this.sums = Array.from({ length: count }, (_, t) => {
      const sums = prefix?.sums[t];
      return sums === undefined
        ? emptySums()
        : {
            exposed: Array.from(sums.exposed),
            controls: Array.from(sums.controls),
            sumExposed: Array.from(sums.sumExposed),
            sumControls: Array.from(sums.sumControls),
            seen: Array.from(sums.seen),
          };
    });
    this.naive = Array.from({ length: count }, (_, t) => ({
      ...(prefix?.naive[t] ?? { exposed: 0, sumExposed: 0, controls: 0, naiveControls: 0, sumNaive: 0 }),
    }));
    this.centers = Array.from({ length: count }, (_, t) => prefix?.centers[t] ?? []);
    this.gram = Array.from(
      { length: count },
      (_, t) => prefix?.gram[t] ?? { a: [], b: [], ss: [], sn: [], ns: [], nn: [] },
    );
    if (prefix === undefined) return;
    const open = prefix.open;
    for (let j = 0; j < open.journeys.length; j += 1) {
      const journey = this.journeyId(open.journeys[j] ?? 0);
      // A journey's entries are stored once each: appended, not searched for.
      this.vectors.appendStored(journey, open, open.offsets[j] ?? 0, open.offsets[j + 1] ?? 0);
    }
    const { startOfDay, endOfDay, horizonMs } = settings;
    const pending = prefix.pending;
    for (let j = 0; j < pending.journeys.length; j += 1) {
      const name = pending.journeys[j] ?? '';
      const orders = settings.ledger.ordersByJourney.get(name);
      if (!hasOrderIn(orders, startOfDay, endOfDay)) continue;
      const journey = this.journeyId(hash52(name));
      for (let u = pending.offsets[j] ?? 0; u < (pending.offsets[j + 1] ?? 0); u += 1) {
        const tau = startOfDay + (pending.tau[u] ?? 0);
        const added =
          valueBetween(orders, tau, tau + horizonMs, endOfDay) -
          valueBetween(orders, tau, tau + horizonMs, startOfDay);
        const code = pending.code[u] ?? 0;
        if (added !== 0)
          this.addToY(journey, code >> 2, pending.stratum[u] ?? 0, (code >> 1) & 1, added, (code & 1) === 1);
      }
    }
  }

  channelId(name: string): number {
    let id = this.channelIds.get(name);
    if (id === undefined) {
      id = this.channelNames.length;
      this.channelIds.set(name, id);
      this.channelNames.push(name);
    }
    return id;
  }

  stratumId(key: number): number {
    let id = this.strata.get(key);
    if (id === undefined) {
      id = this.strataKeys.length;
      this.strata.set(key, id);
      this.strataKeys.push(key);
    }
    return id;
  }

  journeyId(hash: number): number {
    let id = this.journeyIds.get(hash);
    if (id === undefined) {
      id = this.journeyHashes.length;
      this.journeyIds.set(hash, id);
      this.journeyHashes.push(hash);
    }
    return id;
  }

  hashOf(journey: number): number {
    return this.journeyHashes[journey] ?? 0;
  }

  get channels(): readonly string[] {
    return this.channelNames;
  }

  get strataList(): readonly number[] {
    return this.strataKeys;
  }

  /** Adds `y` to the Y of a unit already added (the folded Y of a pending unit: D's orders). */
  addToY(journey: number, t: number, stratum: number, group: number, y: number, naive: boolean): void {
    const sums = this.sums[t];
    const naiveSums = this.naive[t];
    if (sums === undefined || naiveSums === undefined) return;
    if (group === EXPOSED) {
      sums.sumExposed[stratum] = (sums.sumExposed[stratum] ?? 0) + y;
      naiveSums.sumExposed += y;
    } else {
      sums.sumControls[stratum] = (sums.sumControls[stratum] ?? 0) + y;
      if (naive) naiveSums.sumNaive += y;
    }
    this.vectors.add(journey, t, stratum * 2 + group, 0, y);
  }

  addUnit(journey: number, t: number, stratum: number, group: number, y: number, naive: boolean): void {
    const sums = this.sums[t];
    const naiveSums = this.naive[t];
    if (sums === undefined || naiveSums === undefined) return;
    touch(sums, stratum);
    if (group === EXPOSED) {
      sums.exposed[stratum] = (sums.exposed[stratum] ?? 0) + 1;
      sums.sumExposed[stratum] = (sums.sumExposed[stratum] ?? 0) + y;
      naiveSums.exposed += 1;
      naiveSums.sumExposed += y;
    } else {
      sums.controls[stratum] = (sums.controls[stratum] ?? 0) + 1;
      sums.sumControls[stratum] = (sums.sumControls[stratum] ?? 0) + y;
      naiveSums.controls += 1;
      if (naive) {
        naiveSums.naiveControls += 1;
        naiveSums.sumNaive += y;
      }
    }
    this.vectors.add(journey, t, stratum * 2 + group, 1, y);
  }
}

/** One unit of the walk: its journey (id, and index into the day's journey table), Y's start τ. */
type UnitVisitor = (
  journey: number,
  dayJourney: number,
  t: number,
  stratum: number,
  group: number,
  tau: number,
  y: number,
  naive: boolean,
) => void;

/** The session's stage at time x: the highest stage whose landmark lies at or before x (§7 "Stages"). */
function stageAtTime(landmarks: Float64Array, x: number): number {
  for (let stage = STAGES - 1; stage > 0; stage -= 1) {
    const landmark = landmarks[stage] ?? Number.NaN;
    if (landmark <= x) return stage;
  }
  return 0;
}

/** The end of the session's time at stage s: its earliest landmark of a higher stage, else its last event. */
function endOfStageTime(landmarks: Float64Array, stage: number, last: number): number {
  let end = Number.POSITIVE_INFINITY;
  for (let higher = stage + 1; higher < STAGES; higher += 1) {
    const landmark = landmarks[higher] ?? Number.NaN;
    if (landmark < end) end = landmark;
  }
  return end === Number.POSITIVE_INFINITY ? last : end;
}

/**
 * §7 "Units" of every priced touchpoint in one day's sessions, handed to `visit`: a control unit (a
 * session at a stage it passes before its first exposure to t) and an exposed unit (its first
 * exposure to t), each with Y over the horizon, its stratum and its journey.
 */
function walkDay(statistics: WindowStatistics, day: SessionColumns, visit: UnitVisitor): void {
  const { priced, ledger, horizonMs, lookbackMs, endOfDay } = statistics.settings;
  const pricedIndex = new Map(priced.map((name, index) => [name, index]));
  const landmarks = new Float64Array(STAGES);
  const channel = day.channels.map((name) => statistics.channelId(name));
  const touchpointOf = day.touchpoints.map((name) => pricedIndex.get(name) ?? -1);
  const journey = day.journeys.map((name) => statistics.journeyId(hash52(name)));
  const orders = day.journeys.map((name) => ledger.ordersByJourney.get(name));
  const firstExposure = new Float64Array(priced.length);
  const exposureChannel = new Int32Array(priced.length);
  for (let i = 0; i < day.journey.length; i += 1) {
    const local = day.journey[i] ?? 0;
    const journeyId = journey[local] ?? 0;
    const journeyOrders = orders[local];
    const start = day.start[i] ?? 0;
    landmarks[0] = start;
    for (let stage = 1; stage < STAGES; stage += 1) {
      const offset = day.landmarks[i * 4 + stage - 1] ?? -1;
      landmarks[stage] = offset < 0 ? Number.NaN : start + offset;
    }
    const last = start + (day.last[i] ?? 0);
    const history =
      (day.covariates[i] ?? 0) * 2 + (hasOrderIn(journeyOrders, start - lookbackMs, start) ? 1 : 0);
    firstExposure.fill(Number.NaN);
    for (let e = day.exposureOffsets[i] ?? 0; e < (day.exposureOffsets[i + 1] ?? 0); e += 1) {
      const t = touchpointOf[day.exposureTouchpoint[e] ?? 0] ?? -1;
      if (t < 0) continue;
      firstExposure[t] = start + (day.exposureTime[e] ?? 0);
      exposureChannel[t] = channel[day.exposureChannel[e] ?? 0] ?? 0;
    }
    const outcome = (tau: number) =>
      journeyOrders === undefined ? 0 : valueBetween(journeyOrders, tau, tau + horizonMs, endOfDay);
    const stratumOf = (stage: number, channelId: number) =>
      statistics.stratumId((stage * 65_536 + channelId) * 16 + history);
    for (let stage = 0; stage < STAGES; stage += 1) {
      const landmark = landmarks[stage] ?? Number.NaN;
      if (Number.isNaN(landmark) || stageAtTime(landmarks, landmark) !== stage) continue;
      const end = endOfStageTime(landmarks, stage, last);
      let stratum = -1;
      let y = 0;
      for (let t = 0; t < priced.length; t += 1) {
        const exposure = firstExposure[t] ?? Number.NaN;
        // A session is a control only at the stages it passes before its first exposure.
        if (!Number.isNaN(exposure) && exposure <= end) continue;
        if (stratum < 0) {
          y = outcome(landmark);
          stratum = stratumOf(stage, channel[day.landmarkChannels[i * STAGES + stage] ?? 0] ?? 0);
        }
        visit(journeyId, local, t, stratum, CONTROL, landmark, y, stage === 0 && Number.isNaN(exposure));
      }
    }
    for (let t = 0; t < priced.length; t += 1) {
      const exposure = firstExposure[t] ?? Number.NaN;
      if (Number.isNaN(exposure)) continue;
      const stratum = stratumOf(stageAtTime(landmarks, exposure), exposureChannel[t] ?? 0);
      visit(journeyId, local, t, stratum, EXPOSED, exposure, outcome(exposure), false);
    }
  }
}

/** Adds every unit of the day to the statistics (Y as the ledger has it now). */
export function addDay(statistics: WindowStatistics, day: SessionColumns): void {
  walkDay(statistics, day, (journey, _local, t, stratum, group, _tau, y, naive) =>
    statistics.addUnit(journey, t, stratum, group, y, naive),
  );
}

/**
 * Folds the exposure window's days into a prefix: `add` each of them, then `finish`. Every unit is
 * folded with its Y up to the start of D, which no later order changes; the units whose horizon
 * reaches into D (every unit of day D−h, and the few of earlier days a DST change or a session past
 * midnight brings) are kept as pending, and their journeys' vectors whole.
 */
export function prefixBuilder(settings: WindowSettings): {
  add: (day: SessionColumns) => void;
  finish: () => OutcomesPrefix;
} {
  const startOfD = settings.startOfDay;
  const statistics = new WindowStatistics({ ...settings, endOfDay: startOfD });
  const open = new Set<number>();
  const names = new Map<string, number>();
  const unitJourney: number[] = [];
  const unitCode: number[] = [];
  const unitStratum: number[] = [];
  const unitTau: number[] = [];
  return {
    add(day) {
      walkDay(statistics, day, (journey, local, t, stratum, group, tau, y, naive) => {
        statistics.addUnit(journey, t, stratum, group, y, naive);
        if (tau + settings.horizonMs < startOfD) return;
        const name = day.journeys[local] ?? '';
        let index = names.get(name);
        if (index === undefined) {
          index = names.size;
          names.set(name, index);
          open.add(statistics.hashOf(journey));
        }
        unitJourney.push(index);
        unitCode.push(t * 4 + group * 2 + (naive ? 1 : 0));
        unitStratum.push(stratum);
        unitTau.push(tau - startOfD);
      });
    },
    finish() {
      const count = settings.priced.length;
      const centers = statistics.sums.map((sums) => {
        const center: number[] = [];
        for (let s = 0; s < sums.exposed.length; s += 1) {
          const exposed = sums.exposed[s] ?? 0;
          const controls = sums.controls[s] ?? 0;
          center.push(exposed > 0 ? (sums.sumExposed[s] ?? 0) / exposed : 0);
          center.push(controls > 0 ? (sums.sumControls[s] ?? 0) / controls : 0);
        }
        return center;
      });
      const cells = Array.from({ length: count }, () => new Map<number, number>());
      const gram: Growing<GramColumns>[] = Array.from({ length: count }, () => ({
        a: [],
        b: [],
        ss: [],
        sn: [],
        ns: [],
        nn: [],
      }));
      const openColumns: Growing<VectorColumns> = { journeys: [], offsets: [0], t: [], d: [], n: [], s: [] };
      const vectors = statistics.vectors;
      const entries: number[] = [];
      for (const [journey, head] of vectors.heads) {
        const hash = statistics.hashOf(journey);
        entries.length = 0;
        for (let entry = head; entry >= 0; entry = vectors.next[entry] ?? -1) entries.push(entry);
        if (open.has(hash)) {
          openColumns.journeys.push(hash);
          for (const entry of entries) {
            openColumns.t.push(vectors.t[entry] ?? 0);
            openColumns.d.push(vectors.d[entry] ?? 0);
            openColumns.n.push(vectors.n[entry] ?? 0);
            openColumns.s.push(vectors.s[entry] ?? 0);
          }
          openColumns.offsets.push(openColumns.t.length);
          continue;
        }
        for (const first of entries) {
          const t = vectors.t[first] ?? 0;
          const a = vectors.d[first] ?? 0;
          const na = vectors.n[first] ?? 0;
          const sa = (vectors.s[first] ?? 0) - na * (centers[t]?.[a] ?? 0);
          for (const second of entries) {
            const b = vectors.d[second] ?? 0;
            if (vectors.t[second] !== t || b < a) continue;
            const nb = vectors.n[second] ?? 0;
            const sb = (vectors.s[second] ?? 0) - nb * (centers[t]?.[b] ?? 0);
            const map = cells[t];
            const columns = gram[t];
            if (map === undefined || columns === undefined) continue;
            const key = a * PAIR + b;
            let cell = map.get(key);
            if (cell === undefined) {
              cell = columns.a.length;
              map.set(key, cell);
              columns.a.push(a);
              columns.b.push(b);
              columns.ss.push(0);
              columns.sn.push(0);
              columns.ns.push(0);
              columns.nn.push(0);
            }
            columns.ss[cell] = (columns.ss[cell] ?? 0) + sa * sb;
            columns.sn[cell] = (columns.sn[cell] ?? 0) + sa * nb;
            columns.ns[cell] = (columns.ns[cell] ?? 0) + na * sb;
            columns.nn[cell] = (columns.nn[cell] ?? 0) + na * nb;
          }
        }
      }
      return {
        channels: [...statistics.channels],
        strata: [...statistics.strataList],
        sums: statistics.sums,
        naive: statistics.naive,
        centers,
        gram,
        open: openColumns,
        pending: pendingByJourney([...names.keys()], unitJourney, unitCode, unitStratum, unitTau),
      };
    },
  };
}

/** The pending units grouped by journey (a counting sort: units of one journey keep their order). */
function pendingByJourney(
  journeys: string[],
  unitJourney: readonly number[],
  code: readonly number[],
  stratum: readonly number[],
  tau: readonly number[],
): PendingColumns {
  const offsets = new Int32Array(journeys.length + 1);
  for (const journey of unitJourney) offsets[journey + 1] = (offsets[journey + 1] ?? 0) + 1;
  for (let j = 0; j < journeys.length; j += 1) offsets[j + 1] = (offsets[j + 1] ?? 0) + (offsets[j] ?? 0);
  const next = offsets.slice(0, journeys.length);
  // Arrays, not typed ones: stored, τ becomes an int32 column where it fits (columnar.ts).
  const sorted = {
    code: new Array<number>(code.length).fill(0),
    stratum: new Array<number>(code.length).fill(0),
    tau: new Array<number>(code.length).fill(0),
  };
  for (let u = 0; u < unitJourney.length; u += 1) {
    const journey = unitJourney[u] ?? 0;
    const at = next[journey] ?? 0;
    next[journey] = at + 1;
    sorted.code[at] = code[u] ?? 0;
    sorted.stratum[at] = stratum[u] ?? 0;
    sorted.tau[at] = tau[u] ?? 0;
  }
  return { journeys, offsets: Array.from(offsets), ...sorted };
}

const ratio = (value: number, cost: number) => (value - cost) / cost;

/** One touchpoint's figures from the window's statistics (§7 "naive", "adjusted", "Interval"). */
export function touchpointFigures(
  touchpoint: string,
  cost: number,
  statistics: WindowStatistics,
  t: number,
): OutcomeTouchpointFigures {
  const sums = statistics.sums[t] ?? emptySums();
  const naive = statistics.naive[t] ?? {
    exposed: 0,
    sumExposed: 0,
    controls: 0,
    naiveControls: 0,
    sumNaive: 0,
  };
  const exposed = naive.exposed;
  const meanExposed = exposed > 0 ? naive.sumExposed / exposed : null;
  const meanControl = naive.naiveControls > 0 ? naive.sumNaive / naive.naiveControls : null;
  const naiveIncrementalRevenue =
    meanExposed === null || meanControl === null ? null : (meanExposed - meanControl) * exposed;

  const strataCount = sums.exposed.length;
  const usable = new Uint8Array(strataCount);
  let usableStrata = 0;
  let covered = 0;
  for (const s of sums.seen) {
    const ne = sums.exposed[s] ?? 0;
    if (ne >= 2 && (sums.controls[s] ?? 0) >= 2) {
      usable[s] = 1;
      usableStrata += 1;
      covered += ne;
    }
  }
  const base = {
    touchpoint,
    cost,
    exposed,
    controls: naive.controls,
    revenuePerJourneyExposed: meanExposed,
    revenuePerJourneyControl: meanControl,
    naiveIncrementalRevenue,
    naiveRox: naiveIncrementalRevenue === null ? null : ratio(naiveIncrementalRevenue, cost),
    strata: sums.seen.length,
    usableStrata,
    coverage: exposed > 0 ? covered / exposed : null,
  };
  if (usableStrata === 0) {
    return {
      ...base,
      incrementalRevenuePerJourney: null,
      incrementalRevenuePerJourneyLow: null,
      incrementalRevenuePerJourneyHigh: null,
      incrementalRevenue: null,
      incrementalRevenueLow: null,
      incrementalRevenueHigh: null,
      rox: null,
      roxLow: null,
      roxHigh: null,
      verdict: null,
    };
  }
  // Per dim (stratum × 2 + group): the coefficient a of its units and its group's mean Y.
  const coef = new Float64Array(strataCount * 2);
  const mean = new Float64Array(strataCount * 2);
  let delta = 0;
  for (const s of sums.seen) {
    if (!usable[s]) continue;
    const ne = sums.exposed[s] ?? 1;
    const nc = sums.controls[s] ?? 1;
    const weight = ne / covered;
    const meanE = (sums.sumExposed[s] ?? 0) / ne;
    const meanC = (sums.sumControls[s] ?? 0) / nc;
    mean[s * 2 + EXPOSED] = meanE;
    mean[s * 2 + CONTROL] = meanC;
    coef[s * 2 + EXPOSED] = weight / ne;
    coef[s * 2 + CONTROL] = -weight / nc;
    delta += weight * (meanE - meanC);
  }
  // Journey-clustered variance: Σ over journeys of (Σ over its units of a_u (Y_u − mean))².
  let variance = 0;
  const vectors = statistics.vectors;
  for (const head of vectors.heads.values()) {
    let term = 0;
    for (let entry = head; entry >= 0; entry = vectors.next[entry] ?? -1) {
      if (vectors.t[entry] !== t) continue;
      const d = vectors.d[entry] ?? 0;
      const a = coef[d] ?? 0;
      if (a !== 0) term += a * ((vectors.s[entry] ?? 0) - (vectors.n[entry] ?? 0) * (mean[d] ?? 0));
    }
    variance += term * term;
  }
  // …and the folded journeys' part: αᵀ G α, with α on the centred coordinates (S − n·c, n).
  const gram = statistics.gram[t];
  const center = statistics.centers[t] ?? [];
  if (gram !== undefined) {
    for (let cell = 0; cell < gram.a.length; cell += 1) {
      const a = gram.a[cell] ?? 0;
      const b = gram.b[cell] ?? 0;
      const sa = coef[a] ?? 0;
      const sb = coef[b] ?? 0;
      if (sa === 0 || sb === 0) continue;
      const na = sa * ((center[a] ?? 0) - (mean[a] ?? 0));
      const nb = sb * ((center[b] ?? 0) - (mean[b] ?? 0));
      const term =
        sa * sb * (gram.ss[cell] ?? 0) +
        sa * nb * (gram.sn[cell] ?? 0) +
        na * sb * (gram.ns[cell] ?? 0) +
        na * nb * (gram.nn[cell] ?? 0);
      variance += a === b ? term : 2 * term;
    }
  }
  const half = Z_90 * Math.sqrt(Math.max(0, variance));
  const low = delta - half;
  const high = delta + half;
  const roxLow = ratio(low * exposed, cost);
  const roxHigh = ratio(high * exposed, cost);
  return {
    ...base,
    incrementalRevenuePerJourney: delta,
    incrementalRevenuePerJourneyLow: low,
    incrementalRevenuePerJourneyHigh: high,
    incrementalRevenue: delta * exposed,
    incrementalRevenueLow: low * exposed,
    incrementalRevenueHigh: high * exposed,
    rox: ratio(delta * exposed, cost),
    roxLow,
    roxHigh,
    verdict: roxLow > 0 ? 'pays' : roxHigh < 0 ? 'loses' : 'unclear',
  };
}
