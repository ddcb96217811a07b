/**
 * Field paths against the stored figures schema (shared/metrics/figures-schema.ts): what a reader of
 * figures (the CLI tables, the dashboard, alert paths) may read, checked against the contract itself
 * rather than against one document that happens to hold the field.
 *
 * Paths are dotted field names; a list entry is `[]` or `[2]` (`outcomes.rox.touchpoints[].naiveRox`),
 * a map entry any key (`traffic.byChannel.web.events`).
 */
import * as z from 'zod/mini';
import { storedFiguresSchema } from '../../shared/metrics/figures-schema';

/** `funnel.steps[].sessions` → `['funnel', 'steps', '[]', 'sessions']`. */
export function pathSteps(path: string): string[] {
  return path.split('.').flatMap((part) => {
    const [name = '', ...entries] = part.split(/(?=\[)/);
    return [...(name === '' ? [] : [name]), ...entries.map(() => '[]')];
  });
}

/** The schema without `optional` / `nullable`: what the field holds when it is there and not null. */
function unwrapped(schema: z.core.$ZodType): z.core.$ZodType {
  let inner = schema;
  while (inner instanceof z.core.$ZodOptional || inner instanceof z.core.$ZodNullable) {
    inner = inner._zod.def.innerType;
  }
  return inner;
}

/** The schema of the field at `path`, or undefined when the figures contract has no such field. */
export function schemaAt(
  path: string,
  root: z.core.$ZodType = storedFiguresSchema,
): z.core.$ZodType | undefined {
  let node: z.core.$ZodType = root;
  for (const step of pathSteps(path)) {
    const current = unwrapped(node);
    let next: z.core.$ZodType | undefined;
    if (current instanceof z.core.$ZodArray) next = step === '[]' ? current._zod.def.element : undefined;
    else if (current instanceof z.core.$ZodRecord)
      next = step === '[]' ? undefined : current._zod.def.valueType;
    else if (current instanceof z.core.$ZodObject) {
      const shape: Readonly<Record<string, z.core.$ZodType>> = current._zod.def.shape;
      next = Object.hasOwn(shape, step) ? shape[step] : undefined;
    }
    if (next === undefined) return undefined;
    node = next;
  }
  return node;
}

/** Whether the field at `path` is a number (possibly null, or absent with its optional section). */
export function isNumberAt(path: string): boolean {
  const schema = schemaAt(path);
  return schema !== undefined && unwrapped(schema) instanceof z.core.$ZodNumber;
}

/** Every field path of a value (`[]` for list entries, keys for map entries), leaves and containers. */
export function fieldPathsOf(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) {
    return [...new Set(value.flatMap((entry) => fieldPathsOf(entry, `${prefix}[]`)))];
  }
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    return [path, ...fieldPathsOf(child, path)];
  });
}
