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
