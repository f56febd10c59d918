// A key prefix as a half-open range [from, to) of TEXT values, so SQLite can walk the
// (name, id) index instead of scanning with LIKE (which is also case-insensitive).

/** Above every key a caller can write: U+10FFFF is the largest code point, and SQLite's BINARY
 *  collation compares UTF-8 bytes, which sort like code points. */
const TOP = '\u{10FFFF}';

export interface KeyRange {
  from: string;
  to: string;
}

export function prefixRange(prefix: string): KeyRange {
  if (prefix === '') return { from: '', to: TOP };
  const last = prefix.charCodeAt(prefix.length - 1);
  return { from: prefix, to: prefix.slice(0, -1) + String.fromCharCode(last + 1) };
}
