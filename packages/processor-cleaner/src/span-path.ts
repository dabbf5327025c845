import type { Attributes } from '@opentelemetry/api';
import { readFirst, URL_FULL, URL_PATH } from '@tracepoint/core';
import { pathOfUrl } from '@tracepoint/semantic-mapping';

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
