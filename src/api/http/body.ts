// Reading and decoding request bodies: JSON, YAML, Kubernetes protobuf (kubectl's typed
// `create namespace|service|deployment` send it) and the patch media types.

import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { decodeProtobuf } from '../../apis/schema/protobuf.js';
import { errors, StatusError } from '../../util/status-errors.js';

/** kube-apiserver's default request size limit. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** The bodies read, for the audit log's requestObject. */
const bodies = new WeakMap<IncomingMessage, Buffer>();
export const bodyRead = (req: IncomingMessage): Buffer | undefined => bodies.get(req);

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new StatusError(413, 'RequestEntityTooLarge', 'the request is too large');
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks);
  bodies.set(req, body);
  return body;
}

export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? 'application/json').split(';')[0].trim().toLowerCase();
}

/** Decodes a body by its media type into a JSON value. */
export function decodeBody(body: Buffer, type: string): unknown {
  if (body.length === 0) return undefined;
  switch (type) {
    case 'application/json':
    case 'application/json-patch+json':
    case 'application/merge-patch+json':
    case 'application/strategic-merge-patch+json':
      try {
        return JSON.parse(body.toString('utf8'));
      } catch (e) {
        throw errors.badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
      }
    case 'application/yaml':
    case 'application/apply-patch+yaml':
      try {
        return parseYaml(body.toString('utf8'));
      } catch (e) {
        throw errors.badRequest(`error converting YAML to JSON: ${(e as Error).message}`);
      }
    case 'application/vnd.kubernetes.protobuf': {
      const { apiVersion, kind, object } = decodeProtobuf(body);
      return { ...object, apiVersion, kind };
    }
    default:
      throw errors.unsupportedMediaType(type);
  }
}
