/** IPv4 arithmetic for subnets: AWS reserves the first four addresses and the last one of every subnet. */
export interface Cidr {
  base: number;
  prefix: number;
  size: number;
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${ip}`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new Error(`not an IPv4 address: ${ip}`);
    n = n * 256 + Number(p);
  }
  return n;
}

export function isIpv4(ip: string): boolean {
  try {
    ipToInt(ip);
    return true;
  } catch {
    return false;
  }
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): Cidr {
  const [ip, bits] = cidr.split('/');
  const prefix = Number(bits);
  if (!ip || !Number.isInteger(prefix) || prefix < 0 || prefix > 32)
    throw new Error(`not an IPv4 CIDR: ${cidr}`);
  const size = 2 ** (32 - prefix);
  const base = ipToInt(ip) - (ipToInt(ip) % size);
  return { base, prefix, size };
}

export function cidrContains(cidr: Cidr, ip: string): boolean {
  const n = ipToInt(ip);
  return n >= cidr.base && n < cidr.base + cidr.size;
}

/** The addresses an ENI may use: all but the network address, the next three, and the last. */
export function usableRange(cidr: Cidr): { first: number; last: number } {
  return { first: cidr.base + 4, last: cidr.base + cidr.size - 2 };
}

export const RESERVED_PER_SUBNET = 5;
