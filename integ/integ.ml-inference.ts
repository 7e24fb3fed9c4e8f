/**
 * Integration test: deploys the MLInference example (its installer puts torch, torchvision,
 * Pillow and the model on EFS during the deployment), checks that the reference URL
 * `https://<api>/default/MLInference` reaches the handler, and classifies one image.
 *
 * The image is made here (a PNG gradient), not fetched: the test depends on no third-party
 * URL, and its snapshot stays the same. The model answers one of its 200 classes for any
 * image, so the test checks that a class comes back, not which one. It is sent as the HTTP API
 * sends a POSTed image (payload 2.0, base64), to the function's alias: the assertion
 * provider's HTTP client sends text bodies only.
 *
 * Offline, `npx projen integ:snapshot` (part of `npm test`) compares what this app synthesizes
 * with the committed snapshot. With an AWS account, `npx projen integ:deploy` deploys it, runs
 * the assertions and destroys it (see README; the deployment takes about 20 minutes).
 */
import { deflateSync } from 'zlib';
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicies } from 'aws-cdk-lib';
import { boundAssertionWaits } from './assertion-timeouts';
import { MlInferenceStack } from '../examples/ml-inference/ml-inference-stack';

const app = new App();
const stack = new MlInferenceStack(app, 'cdk-lambda-efs-integ-ml-inference');
// The example keeps its file system and log groups when the stack is deleted; a test leaves nothing behind.
RemovalPolicies.of(stack).destroy();

const integ = new IntegTest(app, 'MLInference', {
  testCases: [stack],
  // Deploy this version only: the update workflow would first deploy the committed snapshot.
  stackUpdateWorkflow: false,
});
// No assertion can keep CloudFormation waiting for an hour.
boundAssertionWaits(app);

// The reference URL reaches the handler: without an image it answers its own 400, not a 404.
integ.assertions.httpApiCall(`${stack.api.apiEndpoint}/default/MLInference`).expect(ExpectedResult.objectLike({
  status: 400,
  body: { error: 'Pass the image as ?url=<http or https URL>, or POST it as the body.' },
}));

// One image classified, as POSTed to the reference URL, by what the API invokes: the function, or
// with -c fullAccount=true the alias that carries the provisioned concurrency (`name:alias`, which
// the provider's IAM policy also names). The integration test deploys the example's default, which
// fits a new account.
const fn = stack.classifier;
integ.assertions.invokeFunction({
  functionName: fn.alias ? `${fn.lambdaFunction.functionName}:${fn.alias.aliasName}` : fn.lambdaFunction.functionName,
  payload: JSON.stringify({
    version: '2.0',
    rawPath: '/default/MLInference',
    requestContext: { stage: 'default', http: { method: 'POST' } },
    headers: { 'content-type': 'image/png' },
    body: gradientPng(64, 64).toString('base64'),
    isBase64Encoded: true,
  }),
}).expect(ExpectedResult.objectLike({
  StatusCode: 200,
  Payload: Match.serializedJson(Match.objectLike({
    statusCode: 200,
    body: Match.serializedJson({ bird_class: Match.stringLikeRegexp('^\\d{3}\\.\\w+$') }),
  })),
})).waitForAssertions({
  // A cold environment loads torch and the model first (about 30 s in the reference figures).
  totalTimeout: Duration.minutes(10),
  interval: Duration.seconds(30),
});

/** A `width` x `height` RGB PNG, a colour gradient: a valid image for any decoder, the same bytes every time. */
function gradientPng(width: number, height: number): Buffer {
  const rows = Array.from({ length: height }, (_, y) => Buffer.from([
    0, // filter: none
    ...Array.from({ length: width }, (__, x) => [x * 4 % 256, y * 4 % 256, (x + y) * 2 % 256]).flat(),
  ]));
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits per channel, RGB, deflate, no filter method, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.concat(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** PNG's CRC-32 (zlib.crc32 needs Node 20.15; the package supports Node 20.0). */
function crc32(bytes: Buffer): number {
  /* eslint-disable no-bitwise */
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) {
      crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
    }
  }
  return (crc ^ 0xffffffff) >>> 0;
  /* eslint-enable no-bitwise */
}
