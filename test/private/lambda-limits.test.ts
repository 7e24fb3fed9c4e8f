import { App, Duration, Lazy, Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EfsBackedFunction, EfsBackedFunctionProps, EfsDependencyInstaller } from '../../src';
import { Fixture, fixture, functionProps, LATEST_PYTHON, newFunction, testStack } from '../helpers';

/**
 * src/private/lambda-limits.ts. Lambda's own limits (checked by the Lambda API when
 * CloudFormation creates the function): timeout 1 to 900 s, memory 128 to 10240 MB, ephemeral
 * storage 512 to 10240 MiB, refused at synth by the constructs that take them, and tested through
 * them; and the table of what a new account starts with, below those limits.
 */

let stack: Stack;
let f: Fixture;
let count = 0;
beforeEach(() => {
  stack = testStack();
  f = fixture(stack);
});

/** A new EfsBackedFunction on the fixture with `overrides`, under a fresh id. */
function build(overrides: Partial<EfsBackedFunctionProps>): EfsBackedFunction {
  return new EfsBackedFunction(stack, `Fn${++count}`, functionProps(f, overrides));
}

describe('EfsBackedFunction: Lambda limits at synth', () => {
  test.each([
    [Duration.minutes(16), /^timeout must be a whole number of seconds from 1 to 900 \(15 minutes\), Lambda's limit \(got 16 minutes = 960 seconds\)$/],
    [Duration.seconds(901), /^timeout must be .* from 1 to 900 .*\(got 15 minutes 1 second = 901 seconds\)$/],
    [Duration.hours(1), /\(got 1 hour = 3600 seconds\)$/],
    [Duration.seconds(0), /\(got 0 seconds\)$/],
    [Duration.millis(1500), /\(got 1 second 500 millis = 1.5 seconds\)$/],
  ])('fails when timeout is %s', (timeout, message) => {
    expect(() => build({ timeout })).toThrow(message);
  });

  test.each([
    [100000, /^memorySize must be a whole number of MB from 128 to 10240, Lambda's limit \(got 100000\) \(in Python: memory_size\)$/],
    [10241, /\(got 10241\) \(in Python: memory_size\)$/],
    [127, /\(got 127\) \(in Python: memory_size\)$/],
    [0, /\(got 0\) \(in Python: memory_size\)$/],
    [1024.5, /\(got 1024.5\) \(in Python: memory_size\)$/],
  ])('fails when memorySize is %s', (memorySize, message) => {
    expect(() => build({ memorySize })).toThrow(message);
  });

  test.each([
    [Size.mebibytes(511), /^ephemeralStorageSize must be a whole number of MiB from 512 to 10240, Lambda's limit \(got 511 MiB\) \(in Python: ephemeral_storage_size\)$/],
    [Size.gibibytes(11), /\(got 11 GiB = 11264 MiB\) \(in Python: ephemeral_storage_size\)$/],
    [Size.kibibytes(600 * 1024 + 512), /\(got 600.5 MiB\) \(in Python: ephemeral_storage_size\)$/],
  ])('fails when ephemeralStorageSize is %s', (ephemeralStorageSize, message) => {
    expect(() => build({ ephemeralStorageSize })).toThrow(message);
  });

  test('accepts the limits themselves, and gives them to Lambda unchanged', () => {
    // A plain app: neither the rule packs nor aws-cdk-lib's CloudFormation validation have
    // anything to say about these values, and together they take seconds to run.
    const plain = new Stack(new App({ builtinCloudFormationValidation: false }), 'Default');
    const g = fixture(plain);
    newFunction(plain, 'Largest', g, { timeout: Duration.minutes(15), memorySize: 10240, ephemeralStorageSize: Size.gibibytes(10) });
    newFunction(plain, 'Smallest', g, { timeout: Duration.seconds(1), memorySize: 128, ephemeralStorageSize: Size.mebibytes(512) });
    const template = Template.fromStack(plain);
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: LATEST_PYTHON.name, Timeout: 900, MemorySize: 10240, EphemeralStorage: { Size: 10240 } });
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: LATEST_PYTHON.name, Timeout: 1, MemorySize: 128, EphemeralStorage: { Size: 512 } });
  });

  test('values known only at deploy are left to Lambda', () => {
    const deployTime = Lazy.number({ produce: () => 100000 });
    expect(() => build({
      timeout: Duration.seconds(deployTime),
      memorySize: deployTime,
      ephemeralStorageSize: Size.mebibytes(deployTime),
    })).not.toThrow();
  });
});

describe('EfsDependencyInstaller: Lambda limits at synth', () => {
  test.each([100000, 64])('fails when memorySize is %s', memorySize => {
    expect(() => new EfsDependencyInstaller(stack, `Deps${++count}`, {
      fileSystem: f.shared,
      accessPoint: f.accessPoint,
      runtime: LATEST_PYTHON,
      packages: ['six==1.17.0'],
      memorySize,
    })).toThrow(new RegExp(`^memorySize must be a whole number of MB from 128 to 10240, Lambda's limit \\(got ${memorySize}\\) \\(in Python: memory_size\\)$`));
  });
});

describe('new accounts: below Lambda\'s limits (Lambda quotas page)', () => {
  test('EfsDependencyInstaller\'s default memory fits a new account', () => {
    const plain = new Stack(new App({ builtinCloudFormationValidation: false }), 'Default');
    const g = fixture(plain);
    const installer = new EfsDependencyInstaller(plain, 'Deps', { fileSystem: g.shared, accessPoint: g.accessPoint, runtime: LATEST_PYTHON, packages: ['six==1.17.0'] });
    const fn = installer.installFunction.lambdaFunction.node.defaultChild as unknown as { memorySize?: number };
    // A new account's memory quota (Lambda quotas page): 3008 MB; above it the function fails to create.
    expect(fn.memorySize).toBeLessThanOrEqual(3008);
  });
});
