import { MemoWatch } from '@tracepoint/core';
import { PATH_PLACEHOLDER, templateSegments } from '@tracepoint/semantic-mapping';
import type { PathPattern, ResolvedCleanerConfig } from './cleaner-options.js';
import type { CleanerStats } from './cleaner-stats.js';
import { compilePathPattern, type TextMatcher } from './text-pattern.js';

const MAX_TEMPLATE_LENGTH = 256;
/** Across all positions, how many literal segments the guard remembers (x the per-position cap). */
const GUARD_POSITIONS = 100;
/** Paths whose template is remembered (bounded in entries and length; emptied when full). */
const MAX_REMEMBERED_PATHS = 2048;
const MAX_REMEMBERED_PATH_LENGTH = 256;

interface CompiledPathPattern {
  readonly matches: TextMatcher;
  readonly template: string;
}

/**
 * Turns request paths into low-cardinality templates for `url.template`:
 * the user's patterns first, then the built-in segment rules
 * (@tracepoint/semantic-mapping's PATH_SEGMENT_RULES: scoped packages,
 * versioned file names, versions, ids — the rules the mapping uses), then a
 * guard: once a path position has seen `maxValuesPerPathPosition` distinct
 * literals, new literals there become `{id}` too. The guard's memory is
 * bounded; when full, unseen positions are templated.
 */
export class PathTemplater {
  private readonly patterns: readonly CompiledPathPattern[];
  private readonly perPosition: number;
  private readonly maxRemembered: number;
  private remembered = 0;
  /** Segments the guard refused, ever (what a remembered template replays into the stats). */
  private guarded = 0;
  private readonly seen = new Map<string, Set<string>>();
  /**
   * Templates of paths seen before, with how many segments the guard refused in them. A path's
   * template never changes once computed: a segment the guard admitted stays admitted, and a
   * position that refused one stays full (the guard's memory only grows), so a repeated path
   * gets the same template and the same `path.guarded` count without the split and the
   * per-segment tests.
   */
  private readonly templates = new Map<string, { template: string; guarded: number }>();

  constructor(
    config: Pick<ResolvedCleanerConfig, 'pathPatterns' | 'maxValuesPerPathPosition'>,
    private readonly stats: CleanerStats,
  ) {
    this.patterns = config.pathPatterns.map((p: PathPattern) => ({
      matches: compilePathPattern(p.match),
      template: p.template,
    }));
    this.perPosition = config.maxValuesPerPathPosition;
    this.maxRemembered = config.maxValuesPerPathPosition * GUARD_POSITIONS;
  }

  /** Whether paths go through `templates`: not while they hardly ever repeat (ids in most of them). */
  private readonly memo = new MemoWatch();

  template(path: string): string {
    const memo = this.memo.uses();
    if (memo) {
      const known = this.templates.get(path);
      this.memo.looked(known !== undefined);
      if (known !== undefined) {
        if (known.guarded > 0) this.stats.fix('path.guarded', known.guarded);
        return known.template;
      }
    }
    const guardedBefore = this.guarded;
    const template = this.computed(path);
    if (memo && path.length <= MAX_REMEMBERED_PATH_LENGTH) {
      if (this.templates.size >= MAX_REMEMBERED_PATHS) this.templates.clear();
      this.templates.set(path, { template, guarded: this.guarded - guardedBefore });
    }
    return template;
  }

  private computed(path: string): string {
    for (let i = 0; i < this.patterns.length; i++) {
      const pattern = this.patterns[i] as CompiledPathPattern;
      if (pattern.matches(path)) return pattern.template;
    }
    if (path === '' || path === '/') return '/';
    const literal = path.split('/');
    const segments = literal.slice();
    templateSegments(segments);
    // A rule leaves the segments it did not match as they were (the same string): only those meet the guard.
    let prefix = '';
    for (let i = 1; i < segments.length; i++) {
      let out = segments[i] as string;
      if (out !== '' && out === literal[i] && !this.admit(prefix, out)) out = PATH_PLACEHOLDER;
      segments[i] = out;
      prefix += `/${out}`;
    }
    const template = segments.join('/');
    return template.length > MAX_TEMPLATE_LENGTH ? `${template.slice(0, MAX_TEMPLATE_LENGTH)}…` : template;
  }

  private refuse(): void {
    this.guarded++;
    this.stats.fix('path.guarded');
  }

  /** Whether a literal segment may stay as it is under this (templated) prefix. */
  private admit(prefix: string, segment: string): boolean {
    let values = this.seen.get(prefix);
    if (values?.has(segment)) return true;
    if (values === undefined) {
      if (this.remembered >= this.maxRemembered) {
        this.refuse();
        return false;
      }
      values = new Set();
      this.seen.set(prefix, values);
    }
    if (values.size >= this.perPosition || this.remembered >= this.maxRemembered) {
      this.refuse();
      return false;
    }
    values.add(segment);
    this.remembered++;
    return true;
  }
}
