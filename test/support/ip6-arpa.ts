// The ip6.arpa name of an IPv6 address (RFC 3596 2.5: 32 nibbles, least significant first),
// spelled out for tests apart from the code under test (src/dns/parse.ts reads these names).

export function ip6ArpaName(ip: string): string {
  const [head, tail] = ip.split('::').map((part) => (part ? part.split(':') : []));
  const groups = tail ? [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail] : head;
  return `${[...groups.map((g) => g.padStart(4, '0')).join('')].reverse().join('.')}.ip6.arpa`;
}
