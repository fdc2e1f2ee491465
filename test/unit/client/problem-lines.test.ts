// How a problem+json failure is printed: `<context>: <title> (<status>)`, then one `  * path: message [code]`
// line per violation (the code left out only when Ring's code is the message itself), or the detail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatHttpFailure } from '../../../src/client/errors.js';

const problem = (violations: unknown[], detail = '') =>
  ({ status: 422, contentType: 'application/problem+json', body: { type: 'about:blank', title: 'Validation failed', status: 422, detail, violations } });

test('formatHttpFailure: violations with their codes', () => {
  const rows: Array<[string, ReturnType<typeof problem> | { status: number; contentType: string; body: unknown }, string]> = [
    ['one violation', problem([{ property_path: 'name', message: 'must be 2 to 63 characters long', code: 'namespace.name.length' }]),
      "Failed to create namespace 'x': Validation failed (422)\n  * name: must be 2 to 63 characters long [namespace.name.length]"],
    ['code equal to the message (Ring\'s volume codes): printed once', problem([{ property_path: 'volumes[0].destination', message: 'destination cannot be empty', code: 'destination cannot be empty' }]),
      "Failed to create namespace 'x': Validation failed (422)\n  * volumes[0].destination: destination cannot be empty"],
    ['no code', problem([{ property_path: 'a', message: 'b' }]),
      "Failed to create namespace 'x': Validation failed (422)\n  * a: b"],
    ['no violations: the detail', { status: 409, contentType: 'application/problem+json', body: { title: 'Conflict', status: 409, detail: "namespace 'x' already exists", violations: [] } },
      "Failed to create namespace 'x': Conflict (409)\n  namespace 'x' already exists"],
    ['not a problem', { status: 500, contentType: 'application/json', body: { errors: ['User creation failed'] } },
      "Failed to create namespace 'x': 500\n{\"errors\":[\"User creation failed\"]}"],
  ];
  for (const [name, failure, want] of rows) assert.equal(formatHttpFailure("Failed to create namespace 'x'", failure), want, name);
});
