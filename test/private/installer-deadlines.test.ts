/**
 * src/private/installer-deadlines.ts: the margin shipped in the package, read by TypeScript and
 * Python alike, is checked when it is read.
 */
import * as fs from 'fs';
import { Errors } from 'aws-cdk-lib';
import { deadlineMargin } from '../../src/private/installer-deadlines';
import { thrownBy } from '../helpers';

test('a bad file shipped in the package is the package\'s bug: aws-cdk-lib\'s AssumptionError, not a validation error', () => {
  // The module object itself (the import above is a copy with getters, which cannot be spied on).
  const realFs = jest.requireActual<typeof fs>('fs');
  const readFileSync = realFs.readFileSync;
  const spy = jest.spyOn(realFs, 'readFileSync').mockImplementation(((file: fs.PathOrFileDescriptor, options?: unknown) =>
    (String(file).endsWith('deadline-margin.json') ? '{"marginSeconds": 2}' : readFileSync(file, options as BufferEncoding))) as typeof fs.readFileSync);
  try {
    const error = thrownBy(() => deadlineMargin());
    expect(Errors.isAssumptionError(error)).toBe(true);
    expect(Errors.isValidationError(error)).toBe(false);
    expect(error.message).toBe('assets/installer/deadline-margin.json must give the margin as a whole number of seconds from 4 to 60 (got 2)');
  } finally {
    spy.mockRestore();
  }
});
