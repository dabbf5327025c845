/** A TRACEPOINT_* switch: on/true or off/false (any case), unset or empty for the default. */
export function onOff(env: NodeJS.ProcessEnv, name: string, byDefault = true): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === '') return byDefault;
  if (value === 'on' || value === 'true') return true;
  if (value === 'off' || value === 'false') return false;
  throw new TypeError(`${name} must be on or off, got ${env[name]}`);
}
