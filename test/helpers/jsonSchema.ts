/**
 * The --json document's schema (schema/mailsetup-output.schema.json), compiled once with ajv
 * (draft-07), and a check that names every violation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { expect } from 'vitest';
import { ROOT } from './cli.js';

export const SCHEMA_PATH = join(ROOT, 'schema', 'mailsetup-output.schema.json');
export const SCHEMA: Record<string, unknown> = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Record<string, unknown>;

const ajv = new Ajv({ allErrors: true });
const validate = ajv.compile(SCHEMA);

/** The schema's complaints about `doc` ([] when it conforms). */
export function schemaErrors(doc: unknown): string[] {
  if (validate(doc)) return [];
  return (validate.errors ?? []).map(
    (e) => `${e.dataPath || '(document)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
  );
}

/** Fails the test, naming each violation, unless `doc` conforms to the schema. */
export function expectSchema(doc: unknown): void {
  expect(schemaErrors(doc), JSON.stringify(doc).slice(0, 2000)).toEqual([]);
}

/**
 * The one document on a --json run's stdout: the whole of stdout is exactly one JSON value and
 * a newline, nothing before or after it.
 */
export function onlyDocument(stdout: string): Record<string, unknown> {
  expect(stdout.endsWith('\n'), `stdout does not end with a newline: ${JSON.stringify(stdout.slice(-200))}`).toBe(true);
  expect(stdout.indexOf('\n'), 'stdout holds more than one line').toBe(stdout.length - 1);
  const doc: unknown = JSON.parse(stdout);
  expect(typeof doc === 'object' && doc !== null && !Array.isArray(doc)).toBe(true);
  return doc as Record<string, unknown>;
}
