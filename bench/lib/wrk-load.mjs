// Fixed-concurrency HTTP load with wrk (Debian's package; C, one thread), so
// the load generator costs the machine little next to the app it measures.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const WRK = '/usr/bin/wrk';

/** /usr/bin/wrk, installed with apt-get on first use (as root, like the test machines). */
export function ensureWrk() {
  if (existsSync(WRK)) return WRK;
  if (process.getuid?.() !== 0) throw new Error(`${WRK} is missing; install Debian's wrk package as root`);
  const install = () =>
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'wrk'], {
      stdio: 'pipe',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  try {
    install();
  } catch {
    execFileSync('apt-get', ['update'], { stdio: 'pipe' });
    install();
  }
  return WRK;
}

function millis(text) {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text.trim());
  if (!match) throw new Error(`wrk printed an unknown duration: ${text}`);
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

/** Runs wrk and returns requests/s, p50/p99 latency (ms), requests and non-2xx/3xx answers. */
export function runWrk(url, { seconds, connections }) {
  const out = execFileSync(
    ensureWrk(),
    ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '--timeout', '10s', url],
    { encoding: 'utf8' },
  );
  const requestsPerSecond = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = /\n\s+50%\s+(\S+)/.exec(out)?.[1];
  const p99 = /\n\s+99%\s+(\S+)/.exec(out)?.[1];
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const failed = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const errors = /Socket errors: (.*)/.exec(out)?.[1];
  if (!(requestsPerSecond > 0) || p50 === undefined || p99 === undefined) {
    throw new Error(`could not read wrk's output:\n${out}`);
  }
  return {
    requestsPerSecond,
    p50Ms: millis(p50),
    p99Ms: millis(p99),
    requests,
    failed,
    socketErrors: errors ?? '',
  };
}
