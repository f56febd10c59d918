// The two ways the apiserver rejects a patch (handlers/patch.go): a patch it cannot read is
// 400 BadRequest; a well-formed patch that cannot be applied to this object is 422 Invalid
// built by NewGenericServerResponse, whose only detail is a cause carrying the reason.
import { StatusError, errors } from '../../util/status-errors.js';

export function badPatch(message: string): StatusError {
  return errors.badRequest(message);
}

export function unprocessablePatch(message: string): StatusError {
  return new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {
    causes: [{ reason: 'UnexpectedServerResponse', message }],
  });
}
