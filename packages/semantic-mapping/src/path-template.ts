import { MemoWatch } from '@tracepoint/core';
import { templateSegments } from './path-segment-rules.js';

/**
 * A URL path with its variable parts replaced by placeholders (PATH_SEGMENT_RULES), so a method
 * name is a template (`/users/{id}`) rather than one value per user. This is the
 * mapping's fallback when a span has no `http.route`; the cleaner
 * (@tracepoint/processor-cleaner) does the full, configurable normalization.
 */
const MAX_PATH_LENGTH = 256;

export { isVariableSegment, PATH_PLACEHOLDER } from './path-segment-rules.js';

/**
 * Templates already made, by path: a service sees few distinct paths, and a lookup costs less
 * than the split, the segment tests and the join (with its regexes ~17% of the mapper's profile on
 * instrumentation-http spans, measured). Bounded in entries and length; emptied when full. A pure function, so nothing stale.
 */
const MAX_TEMPLATED = 1024;
const MAX_TEMPLATED_LENGTH = 512;
const templated = new Map<string, string>();
/** Paths that hardly ever repeat (ids in them) skip the memo: see MemoWatch. */
const templatedWatch = new MemoWatch();

/** Path part of a path, target or full URL, without query or fragment, templated. */
export function templatePath(pathOrTarget: string): string {
  if (pathOrTarget.length > MAX_TEMPLATED_LENGTH || !templatedWatch.uses()) return templateOf(pathOrTarget);
  let out = templated.get(pathOrTarget);
  templatedWatch.looked(out !== undefined);
  if (out === undefined) {
    out = templateOf(pathOrTarget);
    if (templated.size >= MAX_TEMPLATED) templated.clear();
    templated.set(pathOrTarget, out);
  }
  return out;
}

function templateOf(pathOrTarget: string): string {
  let path = pathOrTarget;
  const cut = path.search(/[?#]/);
  if (cut >= 0) path = path.slice(0, cut);
  if (path === '' || path === '/') return '/';
  const segments = path.split('/');
  templateSegments(segments);
  const out = segments.join('/');
  return out.length > MAX_PATH_LENGTH ? `${out.slice(0, MAX_PATH_LENGTH)}…` : out;
}

/** The path of an absolute URL, or undefined when it does not parse. */
export function pathOfUrl(url: string): string | undefined {
  const scheme = url.indexOf('://');
  if (scheme < 0) return url.startsWith('/') ? url : undefined;
  const slash = url.indexOf('/', scheme + 3);
  return slash < 0 ? '/' : url.slice(slash);
}

/** `host[:port]` of an absolute URL (credentials stripped), or undefined. */
export function hostOfUrl(url: string): string | undefined {
  const scheme = url.indexOf('://');
  if (scheme < 0) return undefined;
  let end = url.length;
  for (const stop of ['/', '?', '#']) {
    const at = url.indexOf(stop, scheme + 3);
    if (at >= 0 && at < end) end = at;
  }
  const authority = url.slice(scheme + 3, end);
  const at = authority.lastIndexOf('@');
  const host = at >= 0 ? authority.slice(at + 1) : authority;
  return host === '' ? undefined : host.toLowerCase();
}
