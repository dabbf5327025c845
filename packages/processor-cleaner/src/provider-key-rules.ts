/**
 * Fixed-format credentials of service providers, as data: each rule names the provider, the
 * literal its format starts with (or, for the few without a prefix or with a short random part,
 * a literal it always holds),
 * the whole format, and a made-up example in it. The `cloudKey` detector, its prefilter, the
 * README's list and the tests are all driven by this table. Formats follow the providers'
 * documented token shapes (the same families gitleaks' rule set covers); each pattern is written
 * to start at its literal, so one native scan for all literals finds the candidates and only the
 * rules whose literal matched run.
 */
export interface ProviderKeyRule {
  /** Stable id, `<provider>-<kind>`. */
  readonly id: string;
  readonly provider: string;
  /**
   * The literals one of which every match starts with. A rule whose format has no fixed start
   * gives `marker` instead.
   */
  readonly prefixes: readonly string[];
  /**
   * The whole format, starting at the prefix (or anywhere, for a marker rule). No flags: case
   * matters. A marker rule's group 1, where it has one, is the secret (the rest stays: a URL's host).
   */
  readonly pattern: RegExp;
  /** A literal every match holds, for formats without a fixed start (a marker rule scans the text with `pattern`). */
  readonly marker?: string;
  /**
   * A format with neither a start nor a marker, only a shape (AWS secret keys: 40 base64
   * characters): tried where a run of 16+ word characters lies inside such a stretch.
   */
  readonly shape?: true;
  /** Made up, in the format: the README's and the tests' example. Never a real credential. */
  readonly example: string;
}

/** Deterministic filler for examples: `n` characters cycling through `alphabet` with a stride, so they look random enough for no other rule. */
function fill(alphabet: string, n: number, seed = 7): string {
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[(seed + i * 11 + ((i * i) % 5)) % alphabet.length];
  return out;
}
const AZ09 = 'aB3dE5gH7jK9mN2pQ4sT6vW8yZ0cF1hL';
const HEX = '0123456789abcdef';
const LOWER09 = 'a1b2c3d4e5f6g7h8i9j0klmnopqrstuvwxyz';
const UPPER09 = 'A1B2C3D4E5F6G7H8J9K0LMNPQRSTUVWXYZ';

const rule = (
  id: string,
  provider: string,
  prefixes: readonly string[],
  pattern: RegExp,
  example: string,
): ProviderKeyRule => ({ id, provider, prefixes, pattern, example });

const shapeRule = (id: string, provider: string, pattern: RegExp, example: string): ProviderKeyRule => ({
  id,
  provider,
  prefixes: [],
  shape: true,
  pattern,
  example,
});

const markerRule = (
  id: string,
  provider: string,
  marker: string,
  pattern: RegExp,
  example: string,
): ProviderKeyRule => ({ id, provider, prefixes: [], marker, pattern, example });

export const PROVIDER_KEY_RULES: readonly ProviderKeyRule[] = [
  // Cloud platforms.
  shapeRule(
    'aws-secret-access-key',
    'AWS',
    // 40 base64 characters with both cases, a digit and a `/` or `+` (so 40-hex digests and plain
    // words stay), as AWS prints secret access keys; found with no name before it. Not inside a
    // longer base64url text (`_`, `-` around it: Go build ids).
    /(?=[A-Za-z0-9/+]{0,39}[/+])(?=[A-Za-z0-9/+]{0,39}[a-z])(?=[A-Za-z0-9/+]{0,39}[A-Z])(?=[A-Za-z0-9/+]{0,39}\d)[A-Za-z0-9][A-Za-z0-9/+]{38}[A-Za-z0-9](?![A-Za-z0-9/+=_-])/,
    `${fill(AZ09, 12)}/K7${fill(AZ09, 18)}+${fill(AZ09, 6)}`,
  ),
  rule(
    'aws-access-key-id',
    'AWS',
    ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'AGPA', 'AIDA', 'AROA', 'ANPA', 'ANVA', 'AIPA', 'A3T'],
    /(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])/,
    `AKIA${fill(UPPER09, 16)}`,
  ),
  rule(
    'gcp-api-key',
    'Google Cloud',
    ['AIza'],
    /AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/,
    `AIza${fill(AZ09, 35)}`,
  ),
  rule(
    'gcp-oauth-access-token',
    'Google Cloud',
    ['ya29.'],
    /ya29\.[0-9A-Za-z_-]{20,}/,
    `ya29.${fill(AZ09, 60)}`,
  ),
  rule(
    'alibaba-access-key-id',
    'Alibaba Cloud',
    ['LTAI'],
    /LTAI[A-Za-z0-9]{20}(?![A-Za-z0-9])/,
    `LTAI${fill(AZ09, 20)}`,
  ),
  markerRule(
    'azure-storage-account-key',
    'Azure',
    'AccountKey=',
    /AccountKey=[A-Za-z0-9+/=%]{16,}/g,
    `AccountKey=${fill(AZ09, 86)}==`,
  ),
  markerRule(
    'azure-shared-access-key',
    'Azure',
    'SharedAccess',
    /SharedAccess(?:Key|Signature)=[A-Za-z0-9+/=%]{16,}/g,
    `SharedAccessKey=${fill(AZ09, 43)}=`,
  ),
  markerRule(
    'azure-ad-client-secret',
    'Azure',
    'Q~',
    /(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])/g,
    `abc8Q~${fill(AZ09, 34)}`,
  ),
  rule(
    'digitalocean-token',
    'DigitalOcean',
    ['dop_v1_', 'doo_v1_', 'dor_v1_'],
    /do[opr]_v1_[a-f0-9]{64}(?![A-Za-z0-9])/,
    `dop_v1_${fill(HEX, 64)}`,
  ),
  rule(
    'cloudflare-origin-ca-key',
    'Cloudflare',
    ['v1.0-'],
    /v1\.0-[a-f0-9]{24}-[a-f0-9]{146}(?![A-Za-z0-9])/,
    `v1.0-${fill(HEX, 24)}-${fill(HEX, 146, 3)}`,
  ),
  rule(
    'flyio-token',
    'Fly.io',
    ['fo1_', 'fm1r_', 'fm2_'],
    /(?:fo1_[\w-]{43}|fm[12]r?_[A-Za-z0-9+/=_-]{100,})/,
    `fo1_${fill(AZ09, 43)}`,
  ),
  rule(
    'heroku-api-key',
    'Heroku',
    ['HRKU-'],
    /HRKU-(?:AA)?[0-9A-Za-z_-]{58,60}(?![0-9A-Za-z_-])/,
    `HRKU-AA${fill(AZ09, 58)}`,
  ),
  rule(
    'yandex-token',
    'Yandex Cloud',
    ['AQVN', 'YC', 't1.'],
    /(?:AQVN[A-Za-z0-9_-]{35,38}|YC[A-Za-z0-9_-]{38}|t1\.[A-Z0-9a-z_-]+={0,2}\.[A-Z0-9a-z_-]{86}={0,2})(?![A-Za-z0-9_-])/,
    `AQVN${fill(AZ09, 36)}`,
  ),
  rule(
    'scaleway-secret-key',
    'Scaleway',
    ['SCW'],
    /SCW[A-Z0-9]{17}(?![A-Za-z0-9])/,
    `SCW${fill(UPPER09, 17)}`,
  ),
  rule(
    'tencent-secret-id',
    'Tencent Cloud',
    ['AKID'],
    /AKID[A-Za-z0-9]{32}(?![A-Za-z0-9])/,
    `AKID${fill(AZ09, 32)}`,
  ),

  // Source hosting, CI and package registries.
  rule(
    'github-token',
    'GitHub',
    ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
    /gh[pousr]_[A-Za-z0-9]{36,255}(?![A-Za-z0-9])/,
    `ghp_${fill(AZ09, 36)}`,
  ),
  rule(
    'github-fine-grained-pat',
    'GitHub',
    ['github_pat_'],
    /github_pat_[A-Za-z0-9_]{22,255}/,
    `github_pat_${fill(AZ09, 82)}`,
  ),
  rule(
    'gitlab-token',
    'GitLab',
    [
      'glpat-',
      'gldt-',
      'glrt-',
      'glft-',
      'glimt-',
      'glsoat-',
      'glffct-',
      'glcbt-',
      'glptt-',
      'gloas-',
      'glagent-',
      'glwt-',
      'glrtr-',
    ],
    /(?:glpat-|gldt-|glrt-|glrtr-|glft-|glimt-|glsoat-|glffct-|glwt-)[A-Za-z0-9_.-]{20,}|glcbt-(?:[0-9a-fA-F]{1,5}_)?[A-Za-z0-9_-]{20,}|glptt-[A-Za-z0-9_-]{40,}|gloas-[A-Za-z0-9_-]{64,}|glagent-[A-Za-z0-9_-]{50,}/,
    `glpat-${fill(AZ09, 20)}`,
  ),
  rule(
    'gitlab-runner-registration-token',
    'GitLab',
    ['GR1348941'],
    /GR1348941[A-Za-z0-9_-]{20}(?![A-Za-z0-9_-])/,
    `GR1348941${fill(AZ09, 20)}`,
  ),
  rule(
    'gitlab-session-cookie',
    'GitLab',
    ['_gitlab_session='],
    /_gitlab_session=[0-9a-z]{32}/,
    `_gitlab_session=${fill(LOWER09, 32)}`,
  ),
  rule(
    'bitbucket-app-password',
    'Bitbucket',
    ['ATBB'],
    /ATBB[A-Za-z0-9_=.-]{28,}(?![A-Za-z0-9_=.-])/,
    `ATBB${fill(AZ09, 32)}`,
  ),
  rule('npm-token', 'npm', ['npm_'], /npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])/, `npm_${fill(AZ09, 36)}`),
  rule(
    'pypi-token',
    'PyPI',
    ['pypi-AgEIcHlwaS5vcmc'],
    /pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}/,
    `pypi-AgEIcHlwaS5vcmc${fill(AZ09, 70)}`,
  ),
  rule(
    'rubygems-token',
    'RubyGems',
    ['rubygems_'],
    /rubygems_[a-f0-9]{48}(?![A-Za-z0-9])/,
    `rubygems_${fill(HEX, 48)}`,
  ),
  rule('nuget-api-key', 'NuGet', ['oy2'], /oy2[a-z0-9]{43}(?![A-Za-z0-9])/, `oy2${fill(LOWER09, 43)}`),
  rule(
    'clojars-token',
    'Clojars',
    ['CLOJARS_'],
    /CLOJARS_[a-z0-9]{60}(?![A-Za-z0-9])/,
    `CLOJARS_${fill(LOWER09, 60)}`,
  ),
  rule(
    'docker-hub-token',
    'Docker Hub',
    ['dckr_pat_', 'dckr_oat_'],
    /dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,}/,
    `dckr_pat_${fill(AZ09, 27)}`,
  ),
  rule(
    'jfrog-token',
    'JFrog',
    ['AKCp', 'cmVmdGtu'],
    /(?:AKCp[A-Za-z0-9]{69}|cmVmdGtu[A-Za-z0-9]{56,})(?![A-Za-z0-9])/,
    `AKCp${fill(AZ09, 69)}`,
  ),
  rule(
    'sourcegraph-token',
    'Sourcegraph',
    ['sgp_'],
    /sgp_(?:[a-fA-F0-9]{16}|local)_[a-fA-F0-9]{40}(?![A-Za-z0-9])/,
    `sgp_${fill(HEX, 16)}_${fill(HEX, 40, 2)}`,
  ),
  rule(
    'harness-token',
    'Harness',
    ['pat.', 'sat.'],
    /(?:pat|sat)\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}(?![A-Za-z0-9])/,
    `pat.${fill(AZ09, 22)}.${fill(AZ09, 24, 3)}.${fill(AZ09, 20, 5)}`,
  ),
  rule(
    'octopus-api-key',
    'Octopus Deploy',
    ['API-'],
    /API-[A-Z0-9]{26}(?![A-Za-z0-9])/,
    `API-${fill(UPPER09, 26)}`,
  ),
  rule('pulumi-token', 'Pulumi', ['pul-'], /pul-[a-f0-9]{40}(?![A-Za-z0-9])/, `pul-${fill(HEX, 40)}`),
  markerRule(
    'terraform-cloud-token',
    'HashiCorp Terraform',
    '.atlasv1.',
    /(?<![A-Za-z0-9])[a-z0-9]{14}\.atlasv1\.[a-z0-9_=-]{60,70}/g,
    `${fill(LOWER09, 14)}.atlasv1.${fill(LOWER09, 67)}`,
  ),
  rule(
    'vault-token',
    'HashiCorp Vault',
    ['hvs.', 'hvb.'],
    /(?:hvs\.[A-Za-z0-9_-]{90,120}|hvb\.[A-Za-z0-9_-]{138,300})(?![A-Za-z0-9_-])/,
    `hvs.${fill(AZ09, 95)}`,
  ),
  rule('prefect-api-key', 'Prefect', ['pnu_'], /pnu_[A-Za-z0-9]{36}(?![A-Za-z0-9])/, `pnu_${fill(AZ09, 36)}`),
  rule(
    'settlemint-token',
    'SettleMint',
    ['sm_pat_', 'sm_aat_', 'sm_sat_'],
    /sm_(?:pat|aat|sat)_[A-Za-z0-9]{16}(?![A-Za-z0-9])/,
    `sm_pat_${fill(AZ09, 16)}`,
  ),
  rule(
    'infracost-api-key',
    'Infracost',
    ['ico-'],
    /ico-[A-Za-z0-9]{32}(?![A-Za-z0-9])/,
    `ico-${fill(AZ09, 32)}`,
  ),
  rule(
    'readme-api-key',
    'ReadMe',
    ['rdme_'],
    /rdme_[a-z0-9]{70}(?![A-Za-z0-9])/,
    `rdme_${fill(LOWER09, 70)}`,
  ),
  rule(
    'defined-networking-api-token',
    'Defined Networking',
    ['dnkey-'],
    /dnkey-[a-z0-9=_-]{26}-[a-z0-9=_-]{52}(?![a-z0-9=_-])/,
    `dnkey-${fill(LOWER09, 26)}-${fill(LOWER09, 52)}`,
  ),
  markerRule(
    'softlayer-api-key-url',
    'IBM SoftLayer',
    'softlayer.com/soap/',
    /api\.softlayer\.com\/soap\/v3(?:\.1)?\/([a-z0-9]{64})(?![a-z0-9])/g,
    `api.softlayer.com/soap/v3/${fill(LOWER09, 64)}`,
  ),
  rule('scalingo-token', 'Scalingo', ['tk-us-'], /tk-us-[\w-]{48}(?![\w-])/, `tk-us-${fill(AZ09, 48)}`),

  // Messaging and chat.
  rule(
    'slack-token',
    'Slack',
    ['xoxb-', 'xoxp-', 'xoxa-', 'xoxr-', 'xoxs-', 'xoxe-', 'xoxo-', 'xoxe.xox'],
    // Bot, user, app-level and legacy tokens start with a numeric workspace or user id; a config
    // token (`xoxe.xoxp-1-…`) and a refresh token (`xoxe-1-…`) carry a long random tail.
    /(?:xox[bparsoe]-\d{6,}-[A-Za-z0-9-]{8,}|xoxe\.xox[bp]-1-[A-Za-z0-9]{100,}|xoxe-1-[A-Za-z0-9]{100,})/,
    `xoxb-${fill('0123456789', 12)}-${fill(AZ09, 24)}`,
  ),
  rule(
    'slack-app-token',
    'Slack',
    ['xapp-'],
    /xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+/,
    `xapp-1-A${fill(UPPER09, 9)}-${fill('0123456789', 13)}-${fill(HEX, 64)}`,
  ),
  markerRule(
    'slack-webhook-url',
    'Slack',
    'hooks.slack.com/',
    /hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/_-]{20,}/g,
    `hooks.slack.com/services/T${fill(UPPER09, 8)}/B${fill(UPPER09, 8)}/${fill(AZ09, 24)}`,
  ),
  markerRule(
    'discord-webhook-url',
    'Discord',
    '/api/webhooks/',
    /discord(?:app)?\.com\/api\/webhooks\/\d{17,20}\/[A-Za-z0-9_-]{60,}/g,
    `discord.com/api/webhooks/${fill('0123456789', 18)}/${fill(AZ09, 68)}`,
  ),
  markerRule(
    'teams-webhook-url',
    'Microsoft Teams',
    '.webhook.office.com/webhookb2/',
    /\.webhook\.office\.com\/webhookb2\/[a-z0-9@/-]{40,}\/IncomingWebhook\/[a-z0-9]{32}\/[a-z0-9-]{36}/g,
    `.webhook.office.com/webhookb2/${fill(HEX, 8)}-${fill(HEX, 4)}-${fill(HEX, 4)}-${fill(HEX, 4)}-${fill(HEX, 12)}@${fill(HEX, 8, 2)}-${fill(HEX, 4)}-${fill(HEX, 4)}-${fill(HEX, 4)}-${fill(HEX, 12)}/IncomingWebhook/${fill(HEX, 32)}/${fill(HEX, 8)}-${fill(HEX, 4)}-${fill(HEX, 4)}-${fill(HEX, 4)}-${fill(HEX, 12)}`,
  ),
  markerRule(
    'telegram-bot-token',
    'Telegram',
    ':AA',
    /(?<![A-Za-z0-9])\d{8,10}:AA[A-Za-z0-9_-]{33}(?![A-Za-z0-9_-])/g,
    `${fill('0123456789', 10)}:AA${fill(AZ09, 33)}`,
  ),
  rule('twilio-api-key', 'Twilio', ['SK'], /SK[0-9a-fA-F]{32}(?![A-Za-z0-9])/, `SK${fill(HEX, 32)}`),
  rule(
    'sendgrid-api-key',
    'SendGrid',
    ['SG.'],
    /SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/,
    `SG.${fill(AZ09, 22)}.${fill(AZ09, 43, 3)}`,
  ),
  rule(
    'mailgun-key',
    'Mailgun',
    ['key-', 'pubkey-'],
    /(?:pub)?key-[a-f0-9]{32}(?![A-Za-z0-9])/,
    `key-${fill(HEX, 32)}`,
  ),
  markerRule(
    'mailchimp-api-key',
    'Mailchimp',
    '-us',
    /(?<![A-Za-z0-9])[0-9a-f]{32}-us\d{1,2}(?![A-Za-z0-9])/g,
    `${fill(HEX, 32)}-us21`,
  ),
  rule(
    'brevo-api-key',
    'Brevo (Sendinblue)',
    ['xkeysib-', 'xsmtpsib-'],
    /x(?:keysib|smtpsib)-[a-f0-9]{64}-[A-Za-z0-9]{16}(?![A-Za-z0-9])/,
    `xkeysib-${fill(HEX, 64)}-${fill(AZ09, 16)}`,
  ),
  rule(
    'postman-api-key',
    'Postman',
    ['PMAK-'],
    /PMAK-[a-f0-9]{24}-[a-f0-9]{34}(?![A-Za-z0-9])/,
    `PMAK-${fill(HEX, 24)}-${fill(HEX, 34, 3)}`,
  ),
  rule(
    'firebase-cloud-messaging-key',
    'Firebase',
    ['AAAA'],
    /AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{134}/,
    `AAAA${fill(AZ09, 7)}:APA91b${fill(AZ09, 134)}`,
  ),
  rule(
    'facebook-access-token',
    'Facebook',
    ['EAAC', 'EAAM', 'EAAG'],
    /EAA[CMG][A-Za-z0-9]{100,}/,
    `EAAC${fill(AZ09, 120)}`,
  ),
  rule('dropbox-token', 'Dropbox', ['sl.'], /sl\.[A-Za-z0-9_-]{130,}/, `sl.${fill(AZ09, 136)}`),
  rule(
    'hubspot-private-app-token',
    'HubSpot',
    ['pat-na1-', 'pat-eu1-'],
    /pat-(?:na|eu)1-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}/,
    `pat-na1-${fill(HEX, 8)}-${fill(HEX, 4)}-${fill(HEX, 4)}-${fill(HEX, 4)}-${fill(HEX, 12)}`,
  ),
  rule(
    'linear-api-key',
    'Linear',
    ['lin_api_'],
    /lin_api_[A-Za-z0-9]{40}(?![A-Za-z0-9])/,
    `lin_api_${fill(AZ09, 40)}`,
  ),
  rule(
    'notion-token',
    'Notion',
    ['ntn_', 'secret_'],
    /(?:ntn_\d{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})(?![A-Za-z0-9])/,
    `ntn_${fill('0123456789', 11)}${fill(AZ09, 35)}`,
  ),
  rule(
    'atlassian-api-token',
    'Atlassian',
    ['ATATT3', 'ATCTT3'],
    /AT[AC]TT3[A-Za-z0-9_=-]{186,}/,
    `ATATT3${fill(AZ09, 186)}`,
  ),
  markerRule(
    'asana-personal-access-token',
    'Asana',
    '/12',
    /(?<![A-Za-z0-9])[0-9]\/12\d{13,16}:[a-f0-9]{32}(?![A-Za-z0-9])/g,
    `2/1203${fill('0123456789', 12)}:${fill(HEX, 32)}`,
  ),
  rule(
    'typeform-token',
    'Typeform',
    ['tfp_'],
    /tfp_[A-Za-z0-9_.=-]{59}(?![A-Za-z0-9_.=-])/,
    `tfp_${fill(AZ09, 59)}`,
  ),
  rule('frameio-token', 'Frame.io', ['fio-u-'], /fio-u-[A-Za-z0-9_=-]{64}/, `fio-u-${fill(AZ09, 64)}`),
  rule(
    'contentful-token',
    'Contentful',
    ['CFPAT-'],
    /CFPAT-[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/,
    `CFPAT-${fill(AZ09, 43)}`,
  ),
  rule(
    'adobe-client-secret',
    'Adobe',
    ['p8e-'],
    /p8e-[A-Za-z0-9]{32}(?![A-Za-z0-9])/,
    `p8e-${fill(AZ09, 32)}`,
  ),
  rule(
    'airtable-pat',
    'Airtable',
    ['pat'],
    /pat[A-Za-z0-9]{14}\.[a-f0-9]{64}(?![A-Za-z0-9])/,
    `pat${fill(AZ09, 14)}.${fill(HEX, 64)}`,
  ),
  rule(
    'mapbox-secret-token',
    'Mapbox',
    ['sk.eyJ'],
    /sk\.eyJ[A-Za-z0-9_-]{40,}\.[A-Za-z0-9_-]{20,}/,
    `sk.eyJ${fill(AZ09, 60)}.${fill(AZ09, 22)}`,
  ),

  // Payments and commerce.
  rule(
    'stripe-key',
    'Stripe',
    ['sk_live_', 'sk_test_', 'sk_prod_', 'rk_live_', 'rk_test_', 'rk_prod_'],
    /[sr]k_(?:live|test|prod)_[A-Za-z0-9]{10,99}(?![A-Za-z0-9])/,
    `sk_live_${fill(AZ09, 24)}`,
  ),
  rule(
    'stripe-webhook-secret',
    'Stripe',
    ['whsec_'],
    /whsec_[A-Za-z0-9]{32,}(?![A-Za-z0-9])/,
    `whsec_${fill(AZ09, 32)}`,
  ),
  rule(
    'shopify-token',
    'Shopify',
    ['shpat_', 'shpca_', 'shppa_', 'shpss_'],
    /shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}(?![A-Za-z0-9])/,
    `shpat_${fill(HEX, 32)}`,
  ),
  rule(
    'square-token',
    'Square',
    ['sq0atp-', 'sq0csp-', 'EAAA'],
    /(?:sq0atp-[0-9A-Za-z_-]{22}|sq0csp-[0-9A-Za-z\\_-]{43}|EAAA[A-Za-z0-9_+=-]{60})(?![0-9A-Za-z_-])/,
    `sq0atp-${fill(AZ09, 22)}`,
  ),
  markerRule(
    'braintree-access-token',
    'PayPal Braintree',
    'access_token$',
    /access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32}/g,
    `access_token$production$${fill(LOWER09, 16)}$${fill(HEX, 32)}`,
  ),
  rule(
    'razorpay-key',
    'Razorpay',
    ['rzp_live_', 'rzp_test_'],
    /rzp_(?:live|test)_[A-Za-z0-9]{14}(?![A-Za-z0-9])/,
    `rzp_live_${fill(AZ09, 14)}`,
  ),
  rule(
    'flutterwave-key',
    'Flutterwave',
    ['FLWSECK', 'FLWPUBK'],
    /FLW(?:SECK|PUBK)(?:_TEST)?-[a-h0-9]{32}-X/,
    `FLWSECK_TEST-${fill('abcdefgh0123456789', 32)}-X`,
  ),
  rule(
    'shippo-token',
    'Shippo',
    ['shippo_live_', 'shippo_test_'],
    /shippo_(?:live|test)_[a-f0-9]{40}(?![A-Za-z0-9])/,
    `shippo_live_${fill(HEX, 40)}`,
  ),
  rule(
    'duffel-token',
    'Duffel',
    ['duffel_live_', 'duffel_test_'],
    /duffel_(?:live|test)_[A-Za-z0-9_=-]{43}/,
    `duffel_test_${fill(AZ09, 43)}`,
  ),
  rule(
    'easypost-key',
    'EasyPost',
    ['EZAK', 'EZTK'],
    /EZ[AT]K[A-Za-z0-9]{54}(?![A-Za-z0-9])/,
    `EZAK${fill(AZ09, 54)}`,
  ),
  rule(
    'plaid-access-token',
    'Plaid',
    ['access-sandbox-', 'access-development-', 'access-production-'],
    /access-(?:sandbox|development|production)-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}/,
    `access-production-${fill(HEX, 8)}-${fill(HEX, 4)}-${fill(HEX, 4)}-${fill(HEX, 4)}-${fill(HEX, 12)}`,
  ),
  rule(
    'lob-api-key',
    'Lob',
    ['live_pub_', 'test_pub_'],
    /(?:live|test)_pub_[a-f0-9]{31}(?![A-Za-z0-9])/,
    `live_pub_${fill(HEX, 31)}`,
  ),

  // Observability, data and developer services.
  rule(
    'grafana-token',
    'Grafana',
    ['glc_', 'glsa_', 'eyJrIjoi'],
    /(?:glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|eyJrIjoi[A-Za-z0-9]{70,400}={0,2})/,
    `glsa_${fill(AZ09, 32)}_${fill(HEX, 8)}`,
  ),
  rule(
    'new-relic-key',
    'New Relic',
    ['NRAK-', 'NRJS-', 'NRII-', 'NRAA-'],
    /(?:NRAK-[A-Z0-9]{27}|NRJS-[a-f0-9]{19}|NRII-[A-Za-z0-9_-]{32}|NRAA-[a-f0-9]{27})(?![A-Za-z0-9])/,
    `NRAK-${fill(UPPER09, 27)}`,
  ),
  rule(
    'dynatrace-token',
    'Dynatrace',
    ['dt0c01.'],
    /dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}/,
    `dt0c01.${fill(UPPER09, 24)}.${fill(UPPER09, 64, 3)}`,
  ),
  rule(
    'sentry-token',
    'Sentry',
    ['sntrys_eyJ', 'sntryu_'],
    /(?:sntrys_eyJ[A-Za-z0-9+/=_-]{80,}|sntryu_[a-f0-9]{64})/,
    `sntryu_${fill(HEX, 64)}`,
  ),
  rule(
    'databricks-token',
    'Databricks',
    ['dapi'],
    /dapi[a-f0-9]{32}(?:-\d)?(?![A-Za-z0-9])/,
    `dapi${fill(HEX, 32)}`,
  ),
  rule(
    'doppler-token',
    'Doppler',
    ['dp.pt.', 'dp.st.', 'dp.sa.', 'dp.ct.', 'dp.scim.', 'dp.audit.'],
    /dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}/,
    `dp.pt.${fill(AZ09, 43)}`,
  ),
  rule(
    'planetscale-token',
    'PlanetScale',
    ['pscale_tkn_', 'pscale_oauth_', 'pscale_pw_'],
    /pscale_(?:tkn|oauth|pw)_[A-Za-z0-9_.=-]{32,64}/,
    `pscale_pw_${fill(AZ09, 43)}`,
  ),
  rule(
    'supabase-token',
    'Supabase',
    ['sbp_', 'sb_secret_'],
    /(?:sbp_[a-f0-9]{40}|sb_secret_[A-Za-z0-9_-]{30,})(?![A-Za-z0-9])/,
    `sbp_${fill(HEX, 40)}`,
  ),
  rule('render-api-key', 'Render', ['rnd_'], /rnd_[A-Za-z0-9]{32}(?![A-Za-z0-9])/, `rnd_${fill(AZ09, 32)}`),
  rule(
    'tailscale-key',
    'Tailscale',
    ['tskey-'],
    /tskey-(?:api|auth|client|scim|webhook)-[A-Za-z0-9]{8,}-[A-Za-z0-9]{20,}/,
    `tskey-auth-${fill(AZ09, 12)}-${fill(AZ09, 30, 3)}`,
  ),
  rule(
    'onepassword-token',
    '1Password',
    ['ops_eyJ'],
    /ops_eyJ[A-Za-z0-9+/]{250,}={0,3}/,
    `ops_eyJ${fill(AZ09, 260)}`,
  ),
  rule(
    'onepassword-secret-key',
    '1Password',
    ['A3-'],
    /A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}(?![A-Za-z0-9])/,
    `A3-${fill(UPPER09, 6)}-${fill(UPPER09, 11, 3)}-${fill(UPPER09, 5)}-${fill(UPPER09, 5, 2)}-${fill(UPPER09, 5, 4)}`,
  ),
  rule(
    'age-secret-key',
    'age',
    ['AGE-SECRET-KEY-1'],
    /AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}/,
    `AGE-SECRET-KEY-1${fill('QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', 58)}`,
  ),
  rule(
    'clickhouse-cloud-secret',
    'ClickHouse Cloud',
    ['4b1d'],
    /4b1d[A-Za-z0-9]{38}(?![A-Za-z0-9])/,
    `4b1d${fill(AZ09, 38)}`,
  ),
  rule(
    'huggingface-token',
    'Hugging Face',
    ['hf_', 'api_org_'],
    /(?:hf_|api_org_)[A-Za-z]{34}(?![A-Za-z0-9])/,
    `hf_${fill('aBcDeFgHiJkLmNoPqRsTuVwXyZ', 34)}`,
  ),
  rule(
    'openai-api-key',
    'OpenAI',
    ['sk-'],
    /sk-(?:proj-|svcacct-|admin-|or-v1-|ant-api03-|ant-admin01-)?[A-Za-z0-9_-]{20,}/,
    `sk-proj-${fill(AZ09, 48)}`,
  ),
  rule('groq-api-key', 'Groq', ['gsk_'], /gsk_[A-Za-z0-9]{52}(?![A-Za-z0-9])/, `gsk_${fill(AZ09, 52)}`),
  rule('xai-api-key', 'xAI', ['xai-'], /xai-[A-Za-z0-9]{80}(?![A-Za-z0-9])/, `xai-${fill(AZ09, 80)}`),
  rule('replicate-token', 'Replicate', ['r8_'], /r8_[A-Za-z0-9]{37}(?![A-Za-z0-9])/, `r8_${fill(AZ09, 37)}`),
  rule(
    'perplexity-api-key',
    'Perplexity',
    ['pplx-'],
    /pplx-[A-Za-z0-9]{48}(?![A-Za-z0-9])/,
    `pplx-${fill(AZ09, 48)}`,
  ),
  rule(
    'langsmith-api-key',
    'LangSmith',
    ['lsv2_pt_', 'lsv2_sk_'],
    /lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}(?![A-Za-z0-9])/,
    `lsv2_pt_${fill(HEX, 32)}_${fill(HEX, 10)}`,
  ),
  rule('pinecone-api-key', 'Pinecone', ['pcsk_'], /pcsk_[A-Za-z0-9_]{60,}/, `pcsk_${fill(AZ09, 70)}`),
  rule(
    'intra42-client-secret',
    '42',
    ['s-s4t2ud-', 's-s4t2af-'],
    /s-s4t2(?:ud|af)-[a-f0-9]{64}/,
    `s-s4t2ud-${fill(HEX, 64)}`,
  ),
  markerRule(
    'authress-service-key',
    'Authress',
    '.acc',
    /(?<![A-Za-z0-9])(?:sc|ext|scauth|authress)_[a-z0-9]{5,30}\.[a-z0-9]{4,6}\.acc[_-][a-z0-9-]{10,32}\.[A-Za-z0-9+/_=-]{30,120}/g,
    `sc_${fill(LOWER09, 10)}.${fill(LOWER09, 5)}.acc_${fill(LOWER09, 16)}.${fill(AZ09, 40)}`,
  ),
];

/** Every prefix of every rule, longest first, so the scan's alternation prefers `glpat-` over a shorter one at the same place. */
export const PROVIDER_KEY_PREFIXES: readonly string[] = [
  ...new Set(PROVIDER_KEY_RULES.flatMap((r) => r.prefixes)),
].sort((a, b) => b.length - a.length);

/**
 * Providers whose credentials have no fixed format (gitleaks' keyword rules: `algolia: <hex>`,
 * `SONAR_LOGIN := "…"`, `BUNDLE_GEMS__CONTRIBSYS__COM=user:pass`): a token-like value assigned to
 * a name that holds one of these words is taken for one. Lower case; matched case-insensitively.
 */
export const PROVIDER_KEYWORDS: readonly string[] = [
  'algolia',
  'asana',
  'atlassian',
  'bitbucket',
  'cloudant',
  'cloudflare',
  'confluent',
  'contribsys',
  'datadog',
  'droneci',
  'finnhub',
  'freshbooks',
  'gitter',
  'heroku',
  'hubspot',
  'kraken',
  'kucoin',
  'launchdarkly',
  'linkedin',
  'mailgun',
  'mattermost',
  'messagebird',
  'netlify',
  'newrelic',
  'new_relic',
  'okta',
  'privateai',
  'sendbird',
  'sentry',
  'snyk',
  'softlayer',
  'sonar',
  'squarespace',
  'sumo',
  'twitch',
  'twitter',
  'zendesk',
];
