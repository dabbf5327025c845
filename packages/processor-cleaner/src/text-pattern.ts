import type { TextPattern } from './cleaner-options.js';

/** A compiled glob or RegExp. */
export type TextMatcher = (text: string) => boolean;

/** `text` as a RegExp source that matches exactly it. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
}

/** Globs match the whole text: `**` any run, `*` any run of `star`, `?` one character. */
function globToRegExp(glob: string, star: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (char === '*') source += star;
    else if (char === '?') source += '.';
    else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`, 's');
}

/** A RegExp without the global and sticky flags, which would keep `lastIndex` between calls. */
function stateless(pattern: RegExp): RegExp {
  return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
}

/** `*` matches any run of characters. */
export function compileTextPattern(pattern: TextPattern): TextMatcher {
  if (typeof pattern === 'string') {
    if (!pattern.includes('*') && !pattern.includes('?')) return (text) => text === pattern;
    const regexp = globToRegExp(pattern, '.*');
    return (text) => regexp.test(text);
  }
  const regexp = stateless(pattern);
  return (text) => regexp.test(text);
}

/** For paths: `*` matches within one segment, `**` across segments. */
export function compilePathPattern(pattern: TextPattern): TextMatcher {
  const regexp = typeof pattern === 'string' ? globToRegExp(pattern, '[^/]*') : stateless(pattern);
  return (text) => regexp.test(text);
}

/** One matcher for a list of patterns: true when any matches; undefined for an empty list. */
export function compileAnyPattern(patterns: readonly TextPattern[]): TextMatcher | undefined {
  if (patterns.length === 0) return undefined;
  const matchers = patterns.map(compileTextPattern);
  return (text) => {
    for (let i = 0; i < matchers.length; i++) if ((matchers[i] as TextMatcher)(text)) return true;
    return false;
  };
}
