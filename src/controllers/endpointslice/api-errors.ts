// The API answers the endpoint controllers handle rather than retry.

import { StatusError } from '../../util/status-errors.js';

export const isNotFound = (e: unknown): boolean => e instanceof StatusError && e.code === 404;

/** Someone else wrote the object first (a stale resourceVersion, or a create that lost). */
export const isConflict = (e: unknown): boolean => e instanceof StatusError && (e.reason === 'Conflict' || e.reason === 'AlreadyExists');
