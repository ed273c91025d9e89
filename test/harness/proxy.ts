import * as net from 'node:net';

export interface BlackholeProxy {
  /** host:port to dial instead of the target. */
  address: string;
  /** From now on the target's answers are swallowed: a replica that is there and never answers. */
  swallow(): void;
  close(): void;
}

/**
 * A TCP proxy to `target` (host:port) that can start swallowing. With `requests: 'forward'` the
 * requests still reach the target after `swallow()` (it applies them, nobody hears back: the
 * client's retry must meet the outcome it recorded); with 'drop' nothing passes either way and new
 * connections go nowhere.
 */
export async function blackholeProxy(target: string, requests: 'forward' | 'drop' = 'forward'): Promise<BlackholeProxy> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  let swallowing = false;
  const dropping = (): boolean => swallowing && requests === 'drop';
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    sockets.add(inbound);
    if (dropping()) return;
    const outbound = net.connect(port, host);
    sockets.add(outbound);
    inbound.on('data', (d) => void (dropping() || outbound.write(d)));
    outbound.on('data', (d) => void (swallowing || inbound.write(d)));
    const end = (): void => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', end).on('close', end);
    outbound.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    swallow: () => (swallowing = true),
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
