/**
 * `work`, given up on after `millis` with one warning that starts with
 * `late` (what was late: a flush, a resource's attributes); never rejects.
 * Flush and shutdown are bounded by exportTimeoutMillis so a server that
 * does not answer cannot hold the app's exit.
 */
export function withTimeLimit(
  work: Promise<void>,
  millis: number,
  late: string,
  logger: { warn(message: string): void },
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      logger.warn(`${late} within ${millis} ms; continuing`);
      resolve();
    }, millis);
    timer.unref?.();
  });
  return Promise.race([work.catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
}
