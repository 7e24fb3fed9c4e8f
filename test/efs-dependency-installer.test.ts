import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { buildEnvironment, checkedStack, expectCompliant, nfsIngressFrom, testStack } from './helpers';
import { EfsDependencyInstaller, EfsDependencyInstallerProps, InferenceVpc, SharedFileSystem } from '../src';

function installerIn(scope: Construct, props: Partial<EfsDependencyInstallerProps> = {}, internetAccess = true) {
  const network = new InferenceVpc(scope, 'Network', { internetAccess });
  const shared = new SharedFileSystem(scope, 'Shared', { vpc: network.vpc });
  const accessPoint = shared.addAccessPoint('Ml', { path: '/ml', uid: '1001', gid: '1001' });
  const installer = new EfsDependencyInstaller(scope, 'Deps', {
    fileSystem: shared,
    accessPoint,
    runtime: lambda.Runtime.PYTHON_3_13,
    packages: ['torch==2.6.0+cpu', 'Pillow>=11'],
    extraIndexUrls: ['https://download.pytorch.org/whl/cpu'],
    warmUpCommands: ['python3 -c "import torch"'],
    ...props,
  });
  return { shared, accessPoint, installer };
}

describe('EfsDependencyInstaller', () => {
  test('a privileged CodeBuild project in the private subnets, for the functions\' Python and CPU', () => {
    const stack = testStack();
    const { installer } = installerIn(stack);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: Match.objectLike({ Image: 'aws/codebuild/amazonlinux-x86_64-standard:6.0', PrivilegedMode: true, Type: 'LINUX_CONTAINER' }),
      VpcConfig: {
        Subnets: [{ Ref: Match.stringLikeRegexp('NetworkVpcPrivateSubnet1') }, { Ref: Match.stringLikeRegexp('NetworkVpcPrivateSubnet2') }],
        SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('DepsSecurityGroup'), 'GroupId'] }],
        VpcId: { Ref: Match.stringLikeRegexp('NetworkVpc') },
      },
      TimeoutInMinutes: 60,
    });
    const vars = buildEnvironment(template);
    expect(vars).toMatchObject({
      SET_ID: installer.setId,
      PYTHON_VERSION: '3.13',
      REQUIREMENTS: 'torch==2.6.0+cpu\nPillow>=11',
      KEEP_PREVIOUS: '1',
      WARM_UP: 'python3 -c "import torch"',
      FILE_SYSTEM_ID: { Ref: expect.stringMatching(/^SharedFileSystem/) },
      ACCESS_POINT_ID: { Ref: expect.stringMatching(/^SharedFileSystemMl/) },
    });
    expect(vars.PIP_TARGET_ARGS).toBe('--python-version 3.13 --implementation cp --only-binary=:all: '
      + '--platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 --platform manylinux_2_34_x86_64 '
      + '--extra-index-url https://download.pytorch.org/whl/cpu');
    expect(installer.setId).toMatch(/^[0-9a-f]{16}$/);
  });

  test('the build mounts the access point with IAM and TLS, installs with the script, and unmounts', () => {
    const stack = testStack();
    installerIn(stack);
    const project = Object.values(Template.fromStack(stack).findResources('AWS::CodeBuild::Project'))[0];
    const spec = JSON.parse(project.Properties.Source.BuildSpec);
    expect(spec.phases.install['runtime-versions']).toEqual({ python: '3.13' });
    expect(spec.phases.install.commands).toEqual(['dnf install -y amazon-efs-utils']);
    expect(spec.phases.pre_build.commands[1]).toBe(
      'mount -t efs -o tls,iam,accesspoint=$ACCESS_POINT_ID,awscredsuri=$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI $FILE_SYSTEM_ID:/ /mnt/efs');
    expect(spec.phases.build.commands).toEqual(['bash install-set.sh /mnt/efs']);
    expect(project.Properties.Source.Type).toBe('S3');
  });

  test('arm64 functions get an arm64 build and aarch64 wheels', () => {
    const stack = testStack();
    installerIn(stack, { architecture: lambda.Architecture.ARM_64, extraIndexUrls: [] });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: Match.objectLike({ Image: 'aws/codebuild/amazonlinux-aarch64-standard:4.0', Type: 'ARM_CONTAINER' }),
    });
    expect(buildEnvironment(template).PIP_TARGET_ARGS).toMatch(/--platform manylinux_2_17_aarch64 .*--platform manylinux_2_34_aarch64$/);
  });

  test('the build may mount only through the access point, and reaches the mount targets on NFS', () => {
    const stack = testStack();
    installerIn(stack);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('DepsProjectRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
          Condition: Match.objectLike({ Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' } }),
        })]),
      },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', nfsIngressFrom('DepsSecurityGroup'));
    const project = Object.entries(template.findResources('AWS::CodeBuild::Project'))[0][1];
    expect(project.DependsOn).toEqual(expect.arrayContaining([
      expect.stringMatching(/^DepsNfsIngress/), expect.stringMatching(/^SharedFileSystemEfsMountTarget1/),
    ]));
  });

  test('the handlers may only start and read builds of this project', () => {
    const stack = testStack();
    installerIn(stack);
    const template = Template.fromStack(stack);
    for (const [id, action] of [['DepsStartBuildRole', 'codebuild:StartBuild'], ['DepsWatchBuildRole', 'codebuild:BatchGetBuilds']]) {
      template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        Roles: [{ Ref: Match.stringLikeRegexp(id) }],
        PolicyDocument: {
          Statement: [
            Match.objectLike({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] }),
            { Effect: 'Allow', Action: action, Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('DepsProject'), 'Arn'] } },
          ],
        },
      });
    }
  });

  test('a custom resource carries the set id, so it runs again only when the inputs change', () => {
    const stack = testStack();
    const { installer } = installerIn(stack);
    Template.fromStack(stack).hasResourceProperties('Custom::EfsDependencySet', {
      SetId: installer.setId,
      ProjectName: { Ref: Match.stringLikeRegexp('DepsProject') },
      ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('DepsProviderframeworkonEvent'), 'Arn'] },
    });
    // The build starts only once its role's policies exist.
    const install = Object.values(Template.fromStack(stack).findResources('Custom::EfsDependencySet'))[0];
    expect(install.DependsOn).toEqual(expect.arrayContaining([
      expect.stringMatching(/^DepsProjectRoleDefaultPolicy/), expect.stringMatching(/^DepsProjectPolicyDocument/), expect.stringMatching(/^DepsProject[0-9A-F]{8}$/),
    ]));
    const same = installerIn(testStack()).installer.setId;
    const otherPackages = installerIn(testStack(), { packages: ['torch==2.7.0+cpu', 'Pillow>=11'] }).installer.setId;
    const otherArchitecture = installerIn(testStack(), { architecture: lambda.Architecture.ARM_64 }).installer.setId;
    const otherWarmUp = installerIn(testStack(), { warmUpCommands: [] }).installer.setId;
    expect(same).toBe(installer.setId);
    expect(new Set([installer.setId, otherPackages, otherArchitecture, otherWarmUp]).size).toBe(4);
  });

  test('the waiter polls every 30 s and gives up 10 minutes after the build timeout', () => {
    const stack = testStack();
    installerIn(stack, { timeout: Duration.minutes(30) });
    const machine = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'))[0];
    const definition = JSON.stringify(machine.Properties.DefinitionString);
    expect(definition).toContain('\\"IntervalSeconds\\":30');
    expect(definition).toContain('\\"MaxAttempts\\":80'); // 40 minutes / 30 s
    Template.fromStack(stack).hasResourceProperties('AWS::CodeBuild::Project', { TimeoutInMinutes: 30 });
  });

  test('functions use the current set through mountEnvironment', () => {
    const { installer } = installerIn(testStack());
    expect(installer.mountEnvironment).toEqual({ PYTHONPATH: 'current/lib', TORCH_HOME: 'current/model' });
    expect([installer.libPath, installer.modelPath]).toEqual(['current/lib', 'current/model']);
  });

  test('requirements can come from a requirements.txt, comments and blank lines dropped', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'req-')), 'requirements.txt');
    fs.writeFileSync(file, '# inference\ntorchvision==0.21.0+cpu  # with torch\n\nnumpy<3\n');
    const stack = testStack();
    installerIn(stack, { requirementsFile: file, packages: ['Pillow'] });
    expect(buildEnvironment(Template.fromStack(stack)).REQUIREMENTS).toBe('torchvision==0.21.0+cpu\nnumpy<3\nPillow');
  });

  test('passes the CDK validation and the rule packs, with every acknowledgment explained', () => {
    const stack = checkedStack();
    installerIn(stack);
    const report = expectCompliant(stack);
    expect(report.acknowledged.filter(f => f.constructPath.startsWith('TestStack/Deps/Project/')).map(f => f.rule).sort()).toEqual([
      'AwsSolutions-CB4',
      'AwsSolutions-IAM5[Action::s3:GetBucket*]', 'AwsSolutions-IAM5[Action::s3:GetObject*]', 'AwsSolutions-IAM5[Action::s3:List*]',
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:codebuild:/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:ec2:/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:logs:/),
      'NIST.800.53.R5-IAMNoInlinePolicy', 'NIST.800.53.R5-IAMNoInlinePolicy',
    ]);
  });

  test('warns when the file system\'s subnets cannot reach the package indexes', () => {
    const isolated = testStack();
    installerIn(isolated, {}, false);
    Annotations.fromStack(isolated).hasWarning('/Default/Deps', Match.stringLikeRegexp(
      "the file system's subnets are isolated: the install build runs there and cannot reach the package indexes.*installerWithoutEgress"));
    const withNat = testStack();
    installerIn(withNat);
    expect(Annotations.fromStack(withNat).findWarning('*', Match.stringLikeRegexp(EfsDependencyInstaller.WITHOUT_EGRESS))).toEqual([]);
  });

  test('fails when the runtime is not Python', () => {
    expect(() => installerIn(testStack(), { runtime: lambda.Runtime.NODEJS_22_X }))
      .toThrow(/runtime must be a Python runtime such as python3.13 \(got nodejs22.x\)/);
  });

  test('fails when there is nothing to install', () => {
    expect(() => installerIn(testStack(), { packages: ['# nothing', '  '] }))
      .toThrow(/packages or requirementsFile must name at least one requirement \(got none\)/);
  });

  test('fails when a requirement is a pip option', () => {
    for (const bad of ['--index-url https://evil.example/simple', '-e git+https://example.com/x.git', 'torch --hash=sha256:00']) {
      expect(() => installerIn(testStack(), { packages: [bad] }))
        .toThrow(/each requirement must be a package specifier such as 'torch==2.6.0' \(got '.*'\); pip options are not accepted/);
    }
  });

  test('fails on a bad extra index, previous-set count or timeout', () => {
    expect(() => installerIn(testStack(), { extraIndexUrls: ['http://mirror.example/simple'] }))
      .toThrow(/extraIndexUrls\[0\] must be an https URL without spaces or quotes \(got 'http:\/\/mirror.example\/simple'\)/);
    expect(() => installerIn(testStack(), { keepPreviousSets: 2 }))
      .toThrow(/keepPreviousSets must be a whole number from 0 to 1 \(got 2\)/);
    expect(() => installerIn(testStack(), { timeout: Duration.minutes(2) }))
      .toThrow(/timeout \(minutes\) must be a whole number from 5 to 480 \(got 2\)/);
    expect(() => installerIn(testStack(), { timeout: Duration.seconds(450) }))
      .toThrow(/timeout \(minutes\) must be a whole number from 5 to 480 \(got 7.5\)/);
  });
});
