// Open-loop HTTP load at a fixed rate (wrk2-style), in its own process so its CPU is not the app's.
// Request i is due at start + i / rate whatever happened to the ones before it, and its latency is
// counted from that due time, not from when it was sent: a stall in the app shows as the latency
// of every request that waited behind it (no coordinated omission).
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

/** Drives `url` at `rate` requests/s for `seconds`; resolves with counts and latency percentiles (ms). */
export function runOpenLoop(url, { rate, seconds }) {
  const child = fork(fileURLToPath(import.meta.url), [url, String(rate), String(seconds)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`open-loop load exited with ${code}`));
    });
  });
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

function drive(url, rate, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
  const total = Math.round(rate * seconds);
  const latencies = [];
  let failed = 0;
  let done = 0;
  const start = performance.now();
  return new Promise((resolve) => {
    const finish = () => {
      if (++done < total) return;
      agent.destroy();
      const sorted = latencies.sort((a, b) => a - b);
      resolve({
        rate,
        requests: total,
        ok: sorted.length,
        failed,
        achievedRate: total / ((performance.now() - start) / 1000),
        p50Ms: percentile(sorted, 0.5),
        p99Ms: percentile(sorted, 0.99),
        maxMs: sorted.at(-1),
      });
    };
    const send = (due) => {
      const req = http.get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) latencies.push(performance.now() - due);
          else failed++;
          finish();
        });
      });
      req.on('error', () => {
        failed++;
        finish();
      });
    };
    let sent = 0;
    // Every tick sends what is due by now, so a late timer sends a burst, as a real open loop does.
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / rate <= now) send(start + (sent++ * 1000) / rate);
      if (sent < total) setTimeout(tick, Math.max(0, start + (sent * 1000) / rate - performance.now()));
    };
    tick();
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.send) {
  const [url, rate, seconds] = process.argv.slice(2);
  process.send(await drive(url, Number(rate), Number(seconds)), () => process.exit(0));
}
