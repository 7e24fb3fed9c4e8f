/**
 * The table of src/private/errors.ts: how a prop's name is spelled in Python, and the error
 * `invalidInput` builds from the props a message names. Errors through the constructs are in
 * test/errors.test.ts.
 */
import { Errors, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { inPython, inputMessage, invalidInput, pythonName } from '../../src/private/errors';

describe('validation messages name props for both languages', () => {
  test('the Python spelling is jsii\'s snake case of the prop, the rest of the name kept', () => {
    expect(pythonName('mountPath')).toBe('mount_path');
    expect(pythonName('percentIOLimitThreshold')).toBe('percent_io_limit_threshold');
    expect(pythonName('requiredPeakMibPerSecond')).toBe('required_peak_mib_per_second');
    expect(pythonName('secondaryGids[1]')).toBe('secondary_gids[1]');
    expect(pythonName('mountEnvironment.PYTHONPATH')).toBe('mount_environment.PYTHONPATH');
    expect(pythonName('timeout (minutes)')).toBe('timeout (minutes)');
  });

  test('the note lists only the names that differ, and is empty when none does', () => {
    expect(inPython('mountPath')).toBe(' (in Python: mount_path)');
    expect(inPython('provisionedConcurrency', 'vpc', 'reservedConcurrentExecutions'))
      .toBe(' (in Python: provisioned_concurrency, reserved_concurrent_executions)');
    expect(inPython('runtime', 'timeout (minutes)')).toBe('');
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

