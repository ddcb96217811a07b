/**
 * Every test run draws the same random cases: fast-check properties without a seed of their own use
 * this one, so a run's outcome never depends on chance. `FAST_CHECK_SEED=<n> npm test` explores others
 * (a failure prints its seed and path to replay).
 */
import fc from 'fast-check';

const seed = Number(process.env.FAST_CHECK_SEED ?? 20_261_202);
fc.configureGlobal({ seed: Number.isSafeInteger(seed) ? seed : 20_261_202 });
