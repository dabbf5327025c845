import type { Attributes } from '@opentelemetry/api';
import { pathOfUrl, readFirst } from '@tracepoint/semantic-mapping';

const URL_PATH = ['url.path', 'http.target'] as const;
const URL_FULL = ['url.full', 'http.url'] as const;

/** The request path of an HTTP span (`url.path`, `http.target` or the path of `url.full`), without query or fragment. */
export function requestPathOf(attributes: Attributes): string | undefined {
  let path = readFirst(attributes, URL_PATH);
  if (path === undefined) {
    const url = readFirst(attributes, URL_FULL);
    path = url === undefined ? undefined : pathOfUrl(url);
  }
  if (path === undefined) return undefined;
  const cut = path.search(/[?#]/);
  return cut >= 0 ? path.slice(0, cut) : path;
}
