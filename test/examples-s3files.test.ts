/**
 * examples/ml-inference-s3files: MLInference with its model on Amazon S3 Files (a file of its
 * own so that it runs without building the other examples; test/examples.test.ts has those).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { checkedApp, expectCompliant, policyStatements, stableTemplate, templateCycles } from './helpers';
import { CHECKPOINT_URL, MODEL_REPO, MODEL_REPO_COMMIT, PACKAGES } from '../examples/ml-inference/ml-inference-stack';
import {
  ACCESS_POINT_PATH, CHECKPOINT_PATH, HUB_DIRECTORY, MlInferenceS3FilesStack, MlInferenceS3FilesStackProps, MODEL_DIRECTORY, modelUploadCommands,
  MOUNT_PATH,
} from '../examples/ml-inference-s3files/ml-inference-s3files-stack';

describe('examples/ml-inference-s3files', () => {
  function example(props: MlInferenceS3FilesStackProps = {}): MlInferenceS3FilesStack {
    return new MlInferenceS3FilesStack(checkedApp({ cfnGuard: true }), 'MLInferenceS3Files', props);
  }
  const stack = example();
  const report = expectCompliant(stack);
  const template = Template.fromStack(stack);
  const [classifierId, classifier] = Object.entries(template.findResources('AWS::Lambda::Function', { Properties: { PackageType: 'Image' } }))[0];

  test('passes CDK validation, cdk-nag AwsSolutions and NIST 800-53 R5, and the cfn-guard Control Tower rules; no dependency cycle', () => {
    expect(new Set(report.acknowledged.map(f => f.plugin))).toEqual(new Set(['AwsSolutions', 'NIST.800.53.R5', 'cdk-validator-cfnguard']));
    expect(templateCycles(template.toJSON())).toEqual([]);
  });

  test('-c fullAccount=true passes the rule packs too: 3 GB, reserved 5, provisioned 1', () => {
    const full = example({ fullAccount: true });
    expectCompliant(full);
    Template.fromStack(full).hasResourceProperties('AWS::Lambda::Function', { PackageType: 'Image', MemorySize: 3072, ReservedConcurrentExecutions: 5 });
  });

  test('the classifier: an image, 3008 MB, 5 minutes, the access point /ml mounted at /mnt/inference with TORCH_HOME under it, direct reads on', () => {
    expect(classifier.Properties).toMatchObject({
      MemorySize: 3008,
      Timeout: 300,
      Architectures: ['x86_64'],
      FileSystemConfigs: [{ LocalMountPath: MOUNT_PATH, S3FilesConfig: { DirectS3Read: 'ENABLED' } }],
      Environment: { Variables: { TORCH_HOME: `${MOUNT_PATH}/${MODEL_DIRECTORY}`, MODEL_REPO } },
    });
    expect(classifier.Properties.Environment.Variables.PYTHONPATH).toBeUndefined();
    expect(classifier.Properties.Runtime).toBeUndefined();
    template.hasResourceProperties('AWS::S3Files::AccessPoint', { RootDirectory: { Path: ACCESS_POINT_PATH }, PosixUser: { Uid: '1001', Gid: '1001' } });
    expect(classifierId).toMatch(/^ClassifierFunction/);
  });

  test('-c directS3Read=false: every read through the mount, and no permission on the bucket', () => {
    const mountOnly = Template.fromStack(new MlInferenceS3FilesStack(new App(), 'MLInferenceS3Files', { directS3Read: false }));
    mountOnly.hasResourceProperties('AWS::Lambda::Function', { FileSystemConfigs: [{ LocalMountPath: MOUNT_PATH, S3FilesConfig: { DirectS3Read: 'DISABLED' } }] });
    const s3Actions = policyStatements(mountOnly).filter(({ roles }) => roles.includes('ClassifierServiceRole'))
      .flatMap(({ statement }) => [statement.Action].flat()).filter(action => String(action).startsWith('s3:'));
    expect(s3Actions).toEqual([]);
  });

  test('IAM: the classifier may only mount, read-only, through its access point; no principal of the stack may write to the file system', () => {
    const statements = policyStatements(template);
    const clientActions = statements.flatMap(({ roles, statement }) => [statement.Action].flat()
      .filter(action => String(action).startsWith('s3files:')).map(action => ({ roles, action })));
    expect(clientActions).toEqual([{ roles: expect.stringContaining('ClassifierServiceRole'), action: 's3files:ClientMount' }]);
  });

  test('the libraries are the ones examples/ml-inference installs: its pins, from its index, built into the image with its handler', () => {
    const assembly = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'ml-s3files-')) });
    const synthStack = new MlInferenceS3FilesStack(assembly, 'MLInferenceS3Files');
    const manifest = JSON.parse(fs.readFileSync(path.join(assembly.synth().directory, `${synthStack.artifactId}.assets.json`), 'utf8'));
    const images = Object.values<any>(manifest.dockerImages);
    expect(images).toHaveLength(1);
    expect(images[0].source).toMatchObject({ dockerFile: 'ml-inference-s3files/image/Dockerfile', dockerBuildArgs: { PACKAGES: PACKAGES.join(' ') } });
    const dockerfile = fs.readFileSync(path.join(__dirname, '..', 'examples', 'ml-inference-s3files', 'image', 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM public\.ecr\.aws\/lambda\/python:3\.13$/m);
    expect(dockerfile).toContain('--only-binary=:all: --index-url "${INDEX_URL}"');
    expect(dockerfile).toMatch(/^ARG INDEX_URL=https:\/\/download\.pytorch\.org\/whl\/cpu$/m);
    expect(dockerfile).toMatch(/^COPY ml-inference\/handler\/inference\.py ml-inference\/handler\/safe_fetch\.py /m);
    // Only the Dockerfile and the handler are in the build context.
    const context = path.join(assembly.outdir, images[0].source.directory);
    const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
      .flatMap(e => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.relative(context, path.join(dir, e.name))]));
    expect(files(context).sort()).toEqual(['ml-inference-s3files/image/Dockerfile', 'ml-inference/handler/inference.py', 'ml-inference/handler/safe_fetch.py']);
  });

  test('the upload command lays the model out as the handler reads it, under the access point\'s prefix', () => {
    const commands = modelUploadCommands('BUCKET');
    // torch.hub's cache name of the repository, as the handler's local_hub_repo builds it: <owner>_<name>_master.
    expect(HUB_DIRECTORY).toBe(`hub/${MODEL_REPO.replace('/', '_')}_master`);
    expect(CHECKPOINT_PATH).toBe(`hub/checkpoints/${path.posix.basename(CHECKPOINT_URL)}`);
    expect(commands).toEqual([
      'mkdir -p model/hub/checkpoints',
      `curl -fL https://github.com/${MODEL_REPO}/archive/${MODEL_REPO_COMMIT}.zip -o repo.zip && unzip -q repo.zip && mv ntsnet-cub200-${MODEL_REPO_COMMIT} model/${HUB_DIRECTORY}`,
      `curl -fL ${CHECKPOINT_URL} -o model/${CHECKPOINT_PATH}`,
      `aws s3 sync model s3://BUCKET/${ACCESS_POINT_PATH.slice(1)}/${MODEL_DIRECTORY}/`,
    ]);
    template.hasOutput('UploadModel', {});
    // The handler test stands the mount up with the same model directory.
    const handlerTest = fs.readFileSync(path.join(__dirname, '..', 'examples', 'ml-inference-s3files', 'handler', 'test_s3files_mount.py'), 'utf8');
    expect(handlerTest).toContain(`MODEL_DIRECTORY = "${MODEL_DIRECTORY}"`);
  });

  test('snapshot', () => {
    const plain = new MlInferenceS3FilesStack(new App(), 'MLInferenceS3Files');
    expect(stableTemplate(Template.fromStack(plain).toJSON())).toMatchSnapshot();
  });
});
