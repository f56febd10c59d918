// Some Service messages print Go values with %#v (slices, structs). errors.ts's field builders
// render non-scalars as JSON, so these build the exact text Kubernetes sends instead.

import type { FieldError } from '../../../util/status-errors.js';

/** `[]string{"10.96.0.5"}`, as %#v prints a string slice of the given element type. */
export function goSlice(values: string[] | undefined, elem = 'string'): string {
  if (values === undefined) return `[]${elem}(nil)`;
  return `[]${elem}{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
}

/** A (protocol, port) pair as the zero-valued core.ServicePort Kubernetes reports duplicates with. */
export function goServicePortKey(protocol: string, port: number): string {
  return (
    `core.ServicePort{Name:"", Protocol:${JSON.stringify(protocol)}, AppProtocol:(*string)(nil), Port:${port}, ` +
    `TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`
  );
}

export function invalidGo(path: string, rendered: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field: path, message: `Invalid value: ${rendered}: ${detail}` };
}

export function duplicateGo(path: string, rendered: string): FieldError {
  return { type: 'FieldValueDuplicate', field: path, message: `Duplicate value: ${rendered}` };
}
