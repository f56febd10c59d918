/** RFC 3339 with second precision, as metav1.Time marshals: `2024-01-02T03:04:05Z`. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}
