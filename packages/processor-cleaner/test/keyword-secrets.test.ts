import { describe, expect, it } from 'vitest';
import { DETECTORS } from '../src/secret-detectors.js';

const clean = (text: string) => {
  let out = text;
  for (const name of ['assignment', 'email', 'highEntropy'] as const)
    out = DETECTORS[name].redact(out, (_s, rule) => `[R:${rule}]`);
  return out;
};

describe('keyword assignments, comparisons and command lines (detect-secrets style)', () => {
  it.each([
    ['password := "hunter22"', 'password := "[R:assignment]"'],
    ['password = "correct horse battery staple"', 'password = "[R:assignment]"'],
    ["secret: 'two words here'", "secret: '[R:assignment]'"],
    ['db_pass: hunter22', 'db_pass: [R:assignment]'],
    ['DB_PASS=hunter22', 'DB_PASS=[R:assignment]'],
    ['dbPass=hunter22', 'dbPass=[R:assignment]'],
    ['userPassword=hunter22', 'userPassword=[R:assignment]'],
    ['authToken: abcdef123456', 'authToken: [R:assignment]'],
    ['{"headers":{"Authorization":"abc123def456"}}', '{"headers":{"Authorization":"[R:assignment]"}}'],
    ['if "hunter22" == password {', 'if "[R:assignment]" == password {'],
    [
      'curl -u admin:s3cr3tP4ss https://api.example.com',
      'curl -u admin:[R:assignment] https://api.example.com',
    ],
    ["curl --user 'admin:s3cr3t' https://x", "curl --user 'admin:[R:assignment]' https://x"],
    [':password => "hunter22"', ':password => "[R:assignment]"'],
  ])('%s', (text, expected) => {
    expect(clean(text)).toBe(expected);
  });

  it.each([
    "secret := ''",
    'bypass: true',
    'compass=north',
    'password = ?',
    'password: null',
    'password: ***',
    'max_tokens: 512',
    'public_key: AAAAB3NzaC1yc2EAAAADAQABAAABAQC7',
    'publicToken=pk_live_0123456789abcdef',
    'auth: true',
    'gen_ai.response.id=chatcmpl-9xYzAbCdEfGhIjKlMnOpQrStUvW',
    'conv_6789abcdefABCDEF0123456789abcd',
    'call_AbCdEf0123456789GhIjKlMnOpQr',
    '/user.slice/user-1000.slice/user@1000.service',
    'https://search.example.com/?q=SGVsbG8gV29ybGQgc2VhcmNoIHF1ZXJ5IDEyMw&page=2',
  ])('keeps %s', (text) => {
    const out = clean(text);
    if (text.includes('?q=')) expect(out).toContain('?q=');
    else expect(out).toBe(text);
  });
});

describe('Kubernetes Secret manifests', () => {
  const mask = (_s: string, rule: string) => `[R:${rule}]`;
  const redact = (text: string) => DETECTORS.assignment.redact(text, mask);
  it('masks the values under data: and stringData:, inline and as block scalars', () => {
    const manifest = [
      'apiVersion: v1',
      'kind: Secret',
      'metadata:',
      '  name: db',
      'data:',
      '  # base64',
      '  token: c2VjcmV0LXRva2VuLXZhbHVl',
      "  other: 'b3RoZXItc2VjcmV0LXZhbHVl'",
      '  .dockercfg: |',
      '    eyJhdXRocyI6eyJodHRwczovL2V4YW1wbGUifX0=',
      '    eyJzZWNvbmQiOiJsaW5lIn0=',
      'type: Opaque',
    ].join('\n');
    const out = redact(manifest);
    for (const secret of [
      'c2VjcmV0LXRva2VuLXZhbHVl',
      'b3RoZXItc2VjcmV0LXZhbHVl',
      'eyJhdXRocyI6eyJodHRwczovL2V4YW1wbGUifX0=',
      'eyJzZWNvbmQiOiJsaW5lIn0=',
    ])
      expect(out).not.toContain(secret);
    // The names and the rest of the manifest stay.
    expect(out).toContain('  token: [R:assignment]');
    expect(out).toContain('type: Opaque');
    expect(out).toContain('  name: db');
  });

  it('keeps a ConfigMap and short values', () => {
    const configMap =
      'apiVersion: v1\nkind: ConfigMap\ndata:\n  settings: c2V0dGluZ3MtYXJlLW5vdC1zZWNyZXQ=\n';
    expect(redact(configMap)).toBe(configMap);
    const short = 'kind: Secret\ndata:\n  extra: YmFyCg==\n';
    expect(redact(short)).toBe(short);
  });
});
