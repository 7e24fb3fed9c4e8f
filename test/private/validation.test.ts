/**
 * The table of src/private/validation.ts: EFS's access point path pattern. The checks built on
 * it are tested through the constructs (test/shared-file-system.test.ts and the others).
 */
import { ACCESS_POINT_PATH_PATTERN } from '../../src/private/validation';
import { EFS_ROOT_DIRECTORY_PATTERN } from '../helpers';

describe('access point paths (EFS API Reference, RootDirectory: https://docs.aws.amazon.com/efs/latest/ug/API_RootDirectory.html)', () => {
  test('the construct\'s synth-time check is the documented pattern, character for character', () => {
    expect(ACCESS_POINT_PATH_PATTERN.source).toBe(EFS_ROOT_DIRECTORY_PATTERN);
  });
});
