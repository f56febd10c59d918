// Store keys as etcd keys under a namespace prefix, and key prefixes as etcd ranges. etcd orders
// keys by bytes; UTF-8 bytes sort like code points, the order the SQLite store lists in.

export interface EtcdRange {
  key: Buffer;
  /** Exclusive end; a single zero byte means "to the end of the keyspace". */
  range_end: Buffer;
}

export class EtcdKeys {
  private readonly ns: Buffer;

  constructor(namespace: string) {
    this.ns = Buffer.from(namespace);
  }

  encode(key: string): Buffer {
    return Buffer.concat([this.ns, Buffer.from(key)]);
  }

  decode(key: Buffer): string {
    return key.subarray(this.ns.length).toString();
  }

  /** Every key that starts with `prefix`. */
  prefix(prefix: string): EtcdRange {
    const key = this.encode(prefix);
    return { key: key.length ? key : Buffer.of(0), range_end: rangeEnd(key) };
  }

  /** The keys of `prefix` after `startAfter` (exclusive). */
  after(prefix: string, startAfter: string | undefined): EtcdRange {
    const r = this.prefix(prefix);
    if (startAfter === undefined) return r;
    // The smallest key above startAfter is startAfter followed by a zero byte.
    const from = Buffer.concat([this.encode(startAfter), Buffer.of(0)]);
    return { key: Buffer.compare(from, r.key) > 0 ? from : r.key, range_end: r.range_end };
  }
}

/** The smallest key above every key starting with `prefix`, as etcd's clientv3.GetPrefixRangeEnd. */
function rangeEnd(prefix: Buffer): Buffer {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i]! < 0xff) {
      const end = Buffer.from(prefix.subarray(0, i + 1));
      end[i] = prefix[i]! + 1;
      return end;
    }
  }
  return Buffer.of(0);
}
