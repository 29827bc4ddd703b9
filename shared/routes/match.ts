import type { AnyRoute, HttpMethod } from './route.js';

/** What matching reads of a route: the gateway passes whole routes, the fallback only these two. */
type Matchable = Pick<AnyRoute, 'method' | 'path'>;

export type RouteMatch<R extends Matchable = AnyRoute> =
  | { kind: 'found'; route: R; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: HttpMethod[] }
  | { kind: 'not-found' };

interface CompiledRoute<R extends Matchable> {
  route: R;
  segments: string[];
}

/**
 * Matches a request path against the route table the way API Gateway HTTP APIs do:
 * a literal segment beats a {param} segment, so /v1.0/extensions/registrations is not
 * taken for /v1.0/extensions/{id}.
 */
export function createMatcher<R extends Matchable>(routes: readonly R[]) {
  const compiled: CompiledRoute<R>[] = routes.map((route) => ({ route, segments: route.path.split('/').slice(1) }));

  return function match(method: string, path: string): RouteMatch<R> {
    const requestSegments = path.split('/').slice(1);
    let best: { compiled: CompiledRoute<R>; params: Record<string, string>; score: number }[] = [];
    let bestScore = -1;
    for (const candidate of compiled) {
      const result = matchSegments(candidate.segments, requestSegments);
      if (!result) continue;
      if (result.score > bestScore) {
        best = [{ compiled: candidate, ...result }];
        bestScore = result.score;
      } else if (result.score === bestScore) {
        best.push({ compiled: candidate, ...result });
      }
    }
    if (best.length === 0) return { kind: 'not-found' };
    const hit = best.find((b) => b.compiled.route.method === method);
    if (hit) return { kind: 'found', route: hit.compiled.route, params: hit.params };
    return { kind: 'method-not-allowed', allowed: best.map((b) => b.compiled.route.method) };
  };
}

function matchSegments(template: string[], actual: string[]) {
  if (template.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  let score = 0;
  for (let i = 0; i < template.length; i++) {
    const t = template[i]!;
    const a = actual[i]!;
    if (t.startsWith('{') && t.endsWith('}')) {
      if (a === '') return undefined;
      try {
        params[t.slice(1, -1)] = decodeURIComponent(a);
      } catch {
        params[t.slice(1, -1)] = a;
      }
    } else if (t === a) {
      // Literal segments weigh more the earlier they appear, as in API Gateway's precedence.
      score += 2 ** (template.length - i);
    } else {
      return undefined;
    }
  }
  return { params, score };
}
