import { Errors, Size } from 'aws-cdk-lib';
import { fixture, functionProps, testStack, thrownBy } from './helpers';
import { EfsBackedFunction, ThroughputPlanner } from '../src';

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
