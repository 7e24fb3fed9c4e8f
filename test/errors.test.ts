import * as fs from 'fs';
import { Errors, Size, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { fixture, functionProps, testStack } from './helpers';
import { EfsBackedFunction, ThroughputPlanner } from '../src';
import { inputMessage, invalidInput } from '../src/private/errors';
import { deadlineMargin } from '../src/private/installer-deadlines';

/** What `build` threw; fails the test when it threw nothing. */
function thrownBy(build: () => unknown): Error & { constructPath?: string } {
  try {
    build();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, but nothing was thrown');
}

describe('bad input is aws-cdk-lib\'s ValidationError, at the construct it was given to', () => {
  test('a bad mountPath: at the function, with the message users saw and the Python spelling at the end', () => {
    const stack = testStack();
    const f = fixture(stack);
    const error = thrownBy(() => new EfsBackedFunction(stack, 'Classifier', functionProps(f, { mountPath: '/data' })));
    expect(Errors.isValidationError(error)).toBe(true);
    expect(error.name).toBe('InvalidMountPath');
    expect(error.constructPath).toBe('Default/Classifier');
    expect(error.message).toMatch(/^mountPath must start with \/mnt\/ followed by one directory name .* \(got '\/data'\) \(in Python: mount_path\)$/);
  });

  test('a second add* call: at the construct the method was called on (AddedOnce)', () => {
    const stack = testStack();
    const fn = new EfsBackedFunction(stack, 'Classifier', functionProps(fixture(stack)));
    fn.addAlarms();
    const error = thrownBy(() => fn.addAlarms());
    expect(Errors.isValidationError(error)).toBe(true);
    expect(error.constructPath).toBe('Default/Classifier');
    expect(error.message).toMatch(/^addAlarms was already called on Default\/Classifier: .* \(in Python: add_alarms\)$/);
  });

  test('a bad access point option: at the file system whose addAccessPoint was called', () => {
    const stack = testStack();
    const f = fixture(stack);
    const error = thrownBy(() => f.shared.addAccessPoint('Bad', { path: '/bad', uid: '1001', gid: '1001', ownerUid: 'x' }));
    expect(Errors.isValidationError(error)).toBe(true);
    expect(error.constructPath).toBe('Default/Shared');
    expect(error.message).toMatch(/^ownerUid must be a decimal POSIX id .* \(got 'x'\) \(in Python: owner_uid\)$/);
  });

  test('a planner is no construct: a validation error without a construct path', () => {
    const error = thrownBy(() => ThroughputPlanner.plan({
      storedData: Size.gibibytes(1),
      coldStarts: [{ bytesPerColdStart: Size.gibibytes(1), coldStartsPerDay: -1 }],
    }));
    expect(Errors.isValidationError(error)).toBe(true);
    expect(error.constructPath).toBeUndefined();
    // The message named a camelCase prop without its Python spelling before invalidInput: now it has it.
    expect(error.message).toBe('coldStarts[0].coldStartsPerDay must be a number of at least 0 (got -1) (in Python: cold_starts[0].cold_starts_per_day)');
  });
});

describe('invalidInput: the error\'s name after its first prop, the Python spelling of every prop that differs', () => {
  test.each<[string, string | string[], string, string]>([
    ['one prop', 'mountPath', 'InvalidMountPath', ' (in Python: mount_path)'],
    ['a path into a prop', 'coldStartLoad.loadWithin', 'InvalidColdStartLoad', ' (in Python: cold_start_load.load_within)'],
    ['an index', 'secondaryGids[1]', 'InvalidSecondaryGids', ' (in Python: secondary_gids[1])'],
    ['several, one the same in Python', ['provisionedConcurrency', 'vpc', 'reservedConcurrentExecutions'], 'InvalidProvisionedConcurrency',
      ' (in Python: provisioned_concurrency, reserved_concurrent_executions)'],
    ['one spelled alike', 'runtime', 'InvalidRuntime', ''],
    ['a map key kept as given', 'mountEnvironment.PYTHONPATH', 'InvalidMountEnvironment', ' (in Python: mount_environment.PYTHONPATH)'],
    ['no prop', [], 'InvalidInput', ''],
  ])('%s', (_name, names, errorName, suffix) => {
    const scope = new Construct(new Stack(undefined, 'Default'), 'Thing');
    const error = invalidInput(scope, names, 'the message') as Error & { constructPath?: string };
    expect(Errors.isValidationError(error)).toBe(true);
    expect(error.name).toBe(errorName);
    expect(error.message).toBe(`the message${suffix}`);
    expect(error.constructPath).toBe('Default/Thing');
    // A warning or a synth-time validation gets the same text.
    expect(inputMessage(names, 'the message')).toBe(error.message);
    const unscoped = invalidInput(undefined, names, 'the message') as Error & { constructPath?: string };
    expect([Errors.isValidationError(unscoped), unscoped.name, unscoped.message, unscoped.constructPath])
      .toEqual([true, errorName, `the message${suffix}`, undefined]);
  });

  test('should aws-cdk-lib\'s ValidationError change, a plain Error that still names the construct', () => {
    const spy = jest.spyOn(Errors, 'isValidationError').mockReturnValue(false);
    try {
      const scope = new Construct(new Stack(undefined, 'Default'), 'Thing');
      expect(invalidInput(scope, 'mountPath', 'mountPath is wrong').message).toBe('mountPath is wrong (in Python: mount_path) [Default/Thing]');
      expect(invalidInput(undefined, 'mountPath', 'mountPath is wrong').message).toBe('mountPath is wrong (in Python: mount_path)');
    } finally {
      spy.mockRestore();
    }
  });
});

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
