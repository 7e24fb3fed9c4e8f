/**
 * The tables of src/private/validation.ts: how a prop's name is spelled in Python (what every
 * error message appends), and EFS's access point path pattern. The checks built on them are
 * tested through the constructs (test/shared-file-system.test.ts and the others).
 */
import { ACCESS_POINT_PATH_PATTERN, inPython, pythonName } from '../../src/private/validation';
import { EFS_ROOT_DIRECTORY_PATTERN } from '../helpers';

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

describe('access point paths (EFS API Reference, RootDirectory: https://docs.aws.amazon.com/efs/latest/ug/API_RootDirectory.html)', () => {
  test('the construct\'s synth-time check is the documented pattern, character for character', () => {
    expect(ACCESS_POINT_PATH_PATTERN.source).toBe(EFS_ROOT_DIRECTORY_PATTERN);
  });
});
