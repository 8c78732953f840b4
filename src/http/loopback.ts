import { BlockList, isIPv4, isIPv6 } from 'node:net';

const LOOPBACK = new BlockList();
// BlockList also matches an IPv4-mapped address (::ffff:127.0.0.1) against the IPv4 subnet.
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Headers a proxy adds: a request carrying one came from the proxy's client, wherever that is. */
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

function isLoopbackAddress(address: string): boolean {
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  return family !== undefined && LOOPBACK.check(address, family);
}

/** Whether the Host header names this machine by a loopback name (not a name that some DNS resolves to 127.0.0.1). */
function namesLoopback(host: string | null): boolean {
  if (!host) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    return false;
  }
  return hostname === 'localhost' || isLoopbackAddress(hostname.replace(/^\[(.*)\]$/, '$1'));
}

/**
 * Whether a request comes from a client on this machine: its TCP peer (the Node adapter's
 * `serverContext.req.socket`) is a loopback address, no proxy forwarded it, and its Host is a
 * loopback name, so that a web page whose own domain resolves to 127.0.0.1 (DNS rebinding) is
 * not taken for one. A request without a socket, such as one handed to `app.fetch`, is not.
 */
export function fromLoopback(request: Request, serverContext: { req?: unknown } | undefined): boolean {
  const address = (serverContext?.req as { socket?: { remoteAddress?: string } } | undefined)?.socket?.remoteAddress;
  return (
    address !== undefined &&
    isLoopbackAddress(address) &&
    PROXY_HEADERS.every((name) => !request.headers.has(name)) &&
    namesLoopback(request.headers.get('host'))
  );
}
