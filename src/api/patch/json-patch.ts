// RFC 6902 JSON patch (application/json-patch+json) with fast-json-patch, errors worded as
// the apiserver (evanphx/json-patch) words them.
import jsonpatch, { type Operation } from 'fast-json-patch';
import { StatusError } from '../../util/status-errors.js';
import { badPatch, unprocessablePatch } from './patch-errors.js';
import { clone, isObject, type JsonObject } from './json-value.js';

/** The apiserver refuses longer patches (maxJSONPatchOperations). */
const MAX_OPERATIONS = 10000;
// A CommonJS package: Node offers its exports only as the default import.
const { applyPatch, JsonPatchError } = jsonpatch;
const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

export function applyJsonPatch(obj: object, ops: unknown): JsonObject {
  const patch = decode(ops);
  if (patch.length > MAX_OPERATIONS) {
    throw new StatusError(
      413,
      'RequestEntityTooLarge',
      `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_OPERATIONS}, got ${patch.length}`,
    );
  }
  let result: unknown;
  try {
    result = applyPatch(clone(obj), clone(patch), true, true).newDocument;
  } catch (e) {
    if (e instanceof JsonPatchError) throw unprocessablePatch(describe(e.operation as Operation | undefined, e.name));
    throw e;
  }
  if (!isObject(result)) throw unprocessablePatch('the patch result is not a JSON object');
  return result;
}

/** Shape checks that decoding into []Operation performs; what fails later is a 422. */
function decode(ops: unknown): Operation[] {
  if (!Array.isArray(ops)) {
    const kind = isObject(ops) ? 'object' : ops === null ? 'null' : typeof ops;
    throw badPatch(`json: cannot unmarshal ${kind} into Go value of type jsonpatch.Patch`);
  }
  for (const op of ops) {
    if (!isObject(op)) throw badPatch('json: cannot unmarshal non-object into Go value of type jsonpatch.Operation');
    for (const k of ['op', 'path', 'from'] as const) {
      if (op[k] !== undefined && typeof op[k] !== 'string') {
        throw badPatch(`json: cannot unmarshal ${typeof op[k]} into Go struct field Operation.${k} of type string`);
      }
    }
    if (!OPS.has(op.op as string)) throw unprocessablePatch(`Unexpected kind: ${String(op.op ?? '')}`);
    if (typeof op.path !== 'string') throw unprocessablePatch(`${String(op.op)} operation failed to decode path`);
  }
  return ops as Operation[];
}

function describe(op: Operation | undefined, name: string): string {
  const path = op?.path ?? '';
  const from = op && 'from' in op ? op.from : '';
  switch (name) {
    case 'TEST_OPERATION_FAILED':
      return `testing value ${path} failed: test failed`;
    case 'OPERATION_FROM_REQUIRED':
    case 'OPERATION_FROM_UNRESOLVABLE':
      return `${op?.op} operation does not apply: doc is missing from path: ${from}: missing value`;
    case 'OPERATION_VALUE_REQUIRED':
    case 'OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED':
      return `${op?.op} operation requires a value: missing value`;
    case 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX':
    case 'OPERATION_VALUE_OUT_OF_BOUNDS':
      return `error in ${op?.op} for path: '${path}': Unable to access invalid index: ${path.split('/').pop()}: invalid index referenced`;
    case 'OPERATION_PATH_INVALID':
      return `${op?.op} operation failed to decode path`;
    default:
      if (op?.op === 'remove') {
        return `error in remove for path: '${path}': Unable to remove nonexistent key: ${path.split('/').pop()}: missing value`;
      }
      if (op?.op === 'replace') return `replace operation does not apply: doc is missing key: ${path}: missing value`;
      return `${op?.op} operation does not apply: doc is missing path: "${path}": missing value`;
  }
}
