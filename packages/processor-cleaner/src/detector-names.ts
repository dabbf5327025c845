/**
 * The value detectors, in the order they run. URL credentials and query
 * parameters go first so a URL keeps its shape (`REDACTED` in place of the
 * secret part) before broader detectors look at what is left.
 */
export const DETECTOR_NAMES = [
  'privateKey',
  'urlCredentials',
  'urlQuery',
  'jwt',
  'authHeader',
  'cloudKey',
  'assignment',
  'email',
  'card',
  'iban',
  'ssn',
  'phone',
  'ipAddress',
  'highEntropy',
] as const;

export type DetectorName = (typeof DETECTOR_NAMES)[number];
