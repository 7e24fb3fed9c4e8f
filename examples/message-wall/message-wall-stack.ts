import * as path from 'path';
import { CfnOutput, Duration, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { EfsBackedFunction, InferenceVpc, SharedFileSystem } from '../../src';
import { EFS_ELASTIC_READ_PRICE } from '../shared/open-endpoint-cost';
import { addThrottledHttpApi } from '../shared/throttled-http-api';

export interface MessageWallStackProps extends StackProps {
  /**
   * Deploy into the account's default VPC, as the original did, instead of a new VPC
   * without NAT. The VPC is looked up: the stack needs an account and a region.
   *
   * @default false
   */
  readonly useDefaultVpc?: boolean;

  /**
   * Deploy into this existing VPC (looked up by id: the stack needs an account and a region).
   *
   * @default - a new VPC with isolated subnets only
   */
  readonly vpcId?: string;

  /**
   * Require SigV4-signed requests (IAM authorization) instead of an open endpoint.
   *
   * @default false, as open as the original
   */
  readonly iamAuth?: boolean;

  /**
   * Requests per second the API accepts before it throttles, over both its stages (burst is
   * twice that).
   *
   * @default 20
   */
  readonly requestsPerSecond?: number;

  /**
   * The account has Lambda's default concurrency quota (1,000), not a new account's: reserve
   * 10 execution environments for the function, as the reference figures have it. Reserving
   * needs the account's unreserved concurrency to stay at least 100 after the reservation
   * (Lambda Developer Guide, "Configuring reserved concurrency"); new accounts start with a
   * concurrency quota of 10 or 50 (Lambda quotas), where the deploy fails. Context:
   * `-c fullAccount=true`.
   *
   * @default false: no reserved concurrency, deploys on a new account
   */
  readonly fullAccount?: boolean;
}

/** The reserved concurrency of the reference figures (with `fullAccount`). */
export const MESSAGE_WALL_RESERVED_CONCURRENCY = 10;

/** Requests per second the API accepts by default, over both its stages. */
export const MESSAGE_WALL_REQUESTS_PER_SECOND = 20;

/** The largest wall (`MAX_WALL_BYTES`): what one GET, or one POST's answer, reads from EFS at most. */
export const MESSAGE_WALL_MAX_WALL_BYTES = 1024 * 1024;

/**
 * MessageWall: an HTTP API in front of one Python function that keeps a message wall in a
 * file on EFS, mounted through an access point at /mnt/msg as uid/gid 1001.
 */
export class MessageWallStack extends Stack {
  public readonly wall: EfsBackedFunction;
  public readonly api: apigw.HttpApi;

  constructor(scope: Construct, id: string, props: MessageWallStackProps = {}) {
    super(scope, id, props);

    // MessageWall needs no internet: isolated subnets, no NAT gateway to pay for.
    if (props.useDefaultVpc && props.vpcId) {
      throw new Error(`useDefaultVpc and vpcId name two VPCs: give one (got vpcId '${props.vpcId}')`);
    }
    const lookedUp = props.useDefaultVpc || props.vpcId !== undefined;
    const vpc = lookedUp
      ? ec2.Vpc.fromLookup(this, 'ExistingVpc', props.vpcId ? { vpcId: props.vpcId } : { isDefault: true })
      : new InferenceVpc(this, 'Network', { internetAccess: false }).vpc;
    const shared = new SharedFileSystem(this, 'Shared', {
      vpc,
      // A default VPC has only public subnets, where the original put its mount targets; the
      // mount targets' security group still admits only the function. A looked-up VPC with
      // private subnets uses those (they are selected first).
      allowPublicSubnets: lookedUp,
    });
    const messages = shared.addAccessPoint('Messages', {
      path: '/message', uid: '1001', gid: '1001', ownerUid: '1001', ownerGid: '1001', permissions: '750',
    });

    this.wall = new EfsBackedFunction(this, 'Wall', {
      fileSystem: shared,
      accessPoint: messages,
      mountPath: '/mnt/msg',
      // A generally available runtime (AWS Compute blog, "Python 3.14 runtime now available in
      // AWS Lambda"); aws-cdk-lib also names python3.15, a public preview, not for production.
      runtime: lambda.Runtime.PYTHON_3_14,
      handler: 'message_wall.handler',
      code: lambda.Code.fromAsset(path.join(__dirname, 'handler'), { exclude: ['test_*.py', 'local_server.py', '__pycache__'] }),
      memorySize: 256,
      timeout: Duration.seconds(10),
      // Caps the execution environments, so the EFS connections and the bill of an open
      // endpoint; only on an account whose quota allows it (see fullAccount).
      reservedConcurrentExecutions: props.fullAccount ? MESSAGE_WALL_RESERVED_CONCURRENCY : undefined,
      // A wall is capped so that its answer always fits Lambda's 6 MB response, and the named
      // walls are counted, so an open endpoint cannot fill the file system (see the handler).
      environment: { MOUNT_PATH: '/mnt/msg', MAX_BODY_BYTES: String(64 * 1024), MAX_WALL_BYTES: String(MESSAGE_WALL_MAX_WALL_BYTES), MAX_WALLS: '100' },
      // The function only talks NFS to the mount targets.
      allowAllOutbound: false,
      // A default VPC has public subnets only; Lambda never gives a function a public IP,
      // and MessageWall needs none.
      allowPublicSubnet: lookedUp,
    });

    if (!props.fullAccount) {
      Validations.of(this.wall.lambdaFunction.node.defaultChild!).acknowledge({
        id: 'NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency',
        reason: 'No reserved concurrency by default, so that the stack deploys on a new account (a reservation must leave 100 unreserved, '
          + 'more than a new account\'s quota); the API\'s throttle bounds the calls, and -c fullAccount=true reserves 10.',
      });
    }
    Validations.of(this.wall).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason: 'Python 3.14, the newest generally available runtime: the newer one aws-cdk-lib names (3.15) is a public preview, not for production.',
    });

    this.api = addThrottledHttpApi(this, {
      description: 'MessageWall: GET, POST, DELETE a message wall on EFS',
      function: this.wall,
      iamAuth: props.iamAuth ?? false,
      requestsPerSecond: props.requestsPerSecond ?? MESSAGE_WALL_REQUESTS_PER_SECOND,
      exposure: 'read, append to and delete every wall, each capped at 1 MiB',
      // A full wall read by every request (a GET, or the answer of a POST), billed as Elastic
      // throughput reads.
      openEndpointCost: { bytesPerRequest: MESSAGE_WALL_MAX_WALL_BYTES, what: 'read from EFS', price: EFS_ELASTIC_READ_PRICE },
    });
    new CfnOutput(this, 'Endpoint', { value: this.api.apiEndpoint, description: 'curl this URL' });
    new CfnOutput(this, 'ReferenceUrl', { value: `${this.api.apiEndpoint}/default/MessageWall`, description: 'The reference deployment\'s URL: the same wall' });
  }
}
