// Splits an image reference into the parts that decide how a container runs here: the
// repository path without registry (`library/nginx` → `nginx`) and the tag.

export interface ImageRef {
  /** `ikubernetes/myapp`, `nginx`, `e2e-test-images/agnhost`: the path after the registry. */
  repository: string;
  /** Last path segment: `myapp`, `nginx`, `agnhost`. */
  name: string;
  /** `latest` when the reference has neither tag nor digest; '' with a digest only. */
  tag: string;
}

/** A first segment with a dot or colon, or `localhost`, is a registry host (as Docker reads it). */
function isRegistryHost(segment: string): boolean {
  return segment.includes('.') || segment.includes(':') || segment === 'localhost';
}

export function parseImage(image: string): ImageRef {
  const [ref, digest] = image.trim().split('@');
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const hasTag = colon > slash;
  const path = hasTag ? ref.slice(0, colon) : ref;
  const tag = hasTag ? ref.slice(colon + 1) : digest ? '' : 'latest';
  const segments = path.split('/');
  if (segments.length > 1 && isRegistryHost(segments[0])) segments.shift();
  if (segments[0] === 'library' && segments.length === 2) segments.shift();
  const repository = segments.join('/').toLowerCase();
  return { repository, name: segments[segments.length - 1].toLowerCase(), tag };
}
