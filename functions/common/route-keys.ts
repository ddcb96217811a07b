/** Matches a request (method and path) to API Gateway route keys, as the HTTP API does: one matcher for the local adapter and the handlers' routers. */

export interface RouteKeyMatch<K extends string> {
  routeKey: K;
  pathParameters: Record<string, string>;
}

/** A malformed escape (`%E0%A4%A`) stays as sent, as API Gateway passes it, instead of failing the request. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

interface CompiledKey<K extends string> {
  routeKey: K;
  method: string;
  regex: RegExp;
  names: string[];
}

function compile<K extends string>(routeKey: K): CompiledKey<K> {
  const [method = '', pattern = ''] = routeKey.split(' ');
  const names: string[] = [];
  const regex = new RegExp(
    `^${pattern.replace(/\{(\w+)\+?\}/g, (_match, name: string) => {
      names.push(name);
      return pattern.includes(`{${name}+}`) ? '(.+)' : '([^/]+)';
    })}/?$`,
  );
  return { routeKey, method, regex, names };
}

/** The first route key that matches, with its path parameters decoded; `ANY` matches every method. */
export function routeKeyMatcher<K extends string>(
  routeKeys: readonly K[],
): (method: string, path: string) => RouteKeyMatch<K> | undefined {
  const compiled = routeKeys.map(compile);
  return (method, path) => {
    for (const key of compiled) {
      if (key.method !== 'ANY' && key.method !== method) continue;
      const match = key.regex.exec(path);
      if (!match) continue;
      const pathParameters: Record<string, string> = {};
      key.names.forEach((name, index) => {
        pathParameters[name] = decodePathSegment(match[index + 1] ?? '');
      });
      return { routeKey: key.routeKey, pathParameters };
    }
    return undefined;
  };
}
