import { connect, createServer } from 'node:net';

/** How long each chunk waits, each way, in `slow` mode: the 2 s of added latency. */
export const SLOW_MILLIS = 2_000;

/**
 * A TCP proxy in front of the ClickHouse server whose behaviour can be switched while the app
 * talks through it: `pass` forwards, `stall` keeps connections open and forwards nothing (a server
 * that hangs), `reset` resets every connection and each new one at once (RST), `slow` delays each
 * chunk by SLOW_MILLIS each way. Leaving `stall`, the held connections are destroyed, as a load
 * balancer's idle timeout would.
 */
export async function startFaultProxy(targetPort) {
  let mode = 'pass';
  const open = new Set();
  const server = createServer((inbound) => {
    if (mode === 'reset') {
      inbound.resetAndDestroy();
      return;
    }
    const outbound = connect(targetPort, '127.0.0.1');
    const pair = { inbound, outbound };
    open.add(pair);
    const forward = (from, to) =>
      from.on('data', (chunk) => {
        if (mode === 'stall') return;
        if (mode === 'slow') setTimeout(() => to.destroyed || to.write(chunk), SLOW_MILLIS);
        else to.write(chunk);
      });
    forward(inbound, outbound);
    forward(outbound, inbound);
    const close = () => {
      open.delete(pair);
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', close).on('close', close);
    outbound.on('error', close).on('close', close);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    setMode(next) {
      if (mode === 'stall' || next === 'reset')
        for (const { inbound, outbound } of open) {
          if (next === 'reset') inbound.resetAndDestroy();
          else inbound.destroy();
          outbound.destroy();
        }
      mode = next;
    },
    close: () =>
      new Promise((resolve) => {
        for (const { inbound, outbound } of open) {
          inbound.destroy();
          outbound.destroy();
        }
        server.close(resolve);
      }),
  };
}
