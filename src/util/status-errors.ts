// Every API error is a StatusError; it becomes a Kubernetes `Status` body in one place
// (toStatus). Reasons, codes and message wording follow k8s.io/apimachinery/pkg/api/errors, since
// kubectl builds its output from them (see shared/KUBECTL-API.md §9).

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'MethodNotAllowed'
  | 'Gone'
  | 'Expired'
  | 'UnsupportedMediaType'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout'
  | 'TooManyRequests';

/** One field problem, as field.Error in k8s.io/apimachinery/pkg/util/validation/field. */
export interface FieldError {
  type:
    | 'FieldValueRequired'
    | 'FieldValueInvalid'
    | 'FieldValueNotSupported'
    | 'FieldValueDuplicate'
    | 'FieldValueForbidden'
    | 'FieldValueTooLong'
    | 'FieldValueTooMany'
    | 'InternalError';
  field: string;
  /** The full message as Kubernetes words it, e.g. `Invalid value: 70000: must be between 1 and 65535, inclusive`. */
  message: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: { reason?: string; message?: string; field?: string }[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason | string;
  details?: StatusDetails;
  code: number;
}

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'StatusError';
  }

  toStatus(): Status {
    const s: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) s.details = this.details;
    return s;
  }
}

/** `services`, or `deployments.apps`: how Kubernetes names a resource in messages. */
export function qualifiedResource(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

export const errors = {
  notFound(resource: string, group: string, name: string): StatusError {
    return new StatusError(404, 'NotFound', `${qualifiedResource(resource, group)} "${name}" not found`, {
      name,
      ...(group ? { group } : {}),
      kind: resource,
    });
  },
  /** A path that names nothing (no such resource type or subresource). */
  noSuchPath(): StatusError {
    return new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
  },
  alreadyExists(resource: string, group: string, name: string): StatusError {
    return new StatusError(409, 'AlreadyExists', `${qualifiedResource(resource, group)} "${name}" already exists`, {
      name,
      ...(group ? { group } : {}),
      kind: resource,
    });
  },
  conflict(resource: string, group: string, name: string, why: string): StatusError {
    return new StatusError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualifiedResource(resource, group)} "${name}": ${why}`,
      { name, ...(group ? { group } : {}), kind: resource },
    );
  },
  /** The object-modified conflict of optimistic concurrency. */
  modified(resource: string, group: string, name: string): StatusError {
    return errors.conflict(
      resource,
      group,
      name,
      'the object has been modified; please apply your changes to the latest version and try again',
    );
  },
  invalid(kind: string, group: string, name: string, causes: FieldError[]): StatusError {
    const list = causes.map((c) => `${c.field}: ${c.message}`);
    const summary = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
    return new StatusError(422, 'Invalid', `${kind} "${name}" is invalid: ${summary}`, {
      name,
      ...(group ? { group } : {}),
      kind,
      causes: causes.map((c) => ({ reason: c.type, message: c.message, field: c.field })),
    });
  },
  badRequest(message: string): StatusError {
    return new StatusError(400, 'BadRequest', message);
  },
  unauthorized(): StatusError {
    return new StatusError(401, 'Unauthorized', 'Unauthorized');
  },
  forbidden(message: string): StatusError {
    return new StatusError(403, 'Forbidden', message);
  },
  methodNotAllowed(message = 'the server does not allow this method on the requested resource'): StatusError {
    return new StatusError(405, 'MethodNotAllowed', message);
  },
  gone(message: string): StatusError {
    return new StatusError(410, 'Expired', message);
  },
  unsupportedMediaType(contentType: string): StatusError {
    return new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${contentType})`);
  },
  internal(message: string): StatusError {
    return new StatusError(500, 'InternalError', `Internal error occurred: ${message}`);
  },
  unavailable(message: string): StatusError {
    return new StatusError(503, 'ServiceUnavailable', message);
  },
};

/** Builders for field errors, worded as field.Required / field.Invalid / ... word them. */
export const field = {
  required(path: string, detail = ''): FieldError {
    return { type: 'FieldValueRequired', field: path, message: detail ? `Required value: ${detail}` : 'Required value' };
  },
  invalid(path: string, value: unknown, detail: string): FieldError {
    return { type: 'FieldValueInvalid', field: path, message: `Invalid value: ${formatValue(value)}${detail ? `: ${detail}` : ''}` };
  },
  notSupported(path: string, value: unknown, valid: string[]): FieldError {
    const quoted = valid.map((v) => `"${v}"`).join(', ');
    return { type: 'FieldValueNotSupported', field: path, message: `Unsupported value: ${formatValue(value)}: supported values: ${quoted}` };
  },
  duplicate(path: string, value: unknown): FieldError {
    return { type: 'FieldValueDuplicate', field: path, message: `Duplicate value: ${formatValue(value)}` };
  },
  forbidden(path: string, detail: string): FieldError {
    return { type: 'FieldValueForbidden', field: path, message: `Forbidden: ${detail}` };
  },
  tooLong(path: string, max: number): FieldError {
    return { type: 'FieldValueTooLong', field: path, message: `Too long: may not be more than ${max} bytes` };
  },
};

/** Values are printed as Go's %#v would for the types we meet: strings quoted, numbers bare. */
function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
