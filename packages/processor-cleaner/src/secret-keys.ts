import { CLIENT_ADDRESS, MAPPING_ATTRIBUTE_NAMES, SERVER_ADDRESS } from '@tracepoint/core';

/**
 * Attribute keys whose string values are credentials, matched on whole
 * segments (between `.`, `_` and `-`), so `auth.token` and
 * `http.request.header.cookie` match but `gen_ai.usage.input_tokens` and
 * `app.author` do not.
 */
export const BUILT_IN_BLOCKED_KEY =
  /(?:^|[._-])(?:password|passwd|pwd|passphrase|secret|client[_-]?secret|token|access[_-]?token|refresh[_-]?token|id[_-]?token|api[_-]?key|apikey|auth|authorization|proxy[_-]?authorization|cookie|set[_-]?cookie|credentials?|private[_-]?key|x[_-]?api[_-]?key)(?:$|[._-])/i;

/** Keys that name a property of a token or key rather than the secret itself (`oauth.token_type`, `api_key_id`). */
export const NOT_SECRET_KEY =
  /(?:token|key)[_.-]?(?:type|count|ttl|expires?|expires[_.-]in|expiry|length|limit|usage|hint|name|id)$/i;

/** Keys the fail-closed allowlist always admits: what the mapping reads, and tracepoint's own. */
export function isEssentialKey(key: string): boolean {
  return ESSENTIAL_KEYS.has(key) || key.startsWith('tracepoint.');
}

const ESSENTIAL_KEYS: ReadonlySet<string> = new Set(MAPPING_ATTRIBUTE_NAMES);

/**
 * Attributes whose value is a peer's or this host's network address, which tracing needs (who
 * called whom): the IP detector never masks them. The semantic conventions' current and old names.
 */
export const NETWORK_ADDRESS_KEYS: ReadonlySet<string> = new Set([
  ...CLIENT_ADDRESS,
  ...SERVER_ADDRESS,
  'network.local.address',
  'source.address',
  'destination.address',
  'host.ip',
  'net.host.ip',
  'net.host.name',
  'net.sock.peer.addr',
  'net.sock.host.addr',
]);
