import { Aws, Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledgeFinding } from './acknowledgments';
import { acknowledgeInternalFunction, GENERALLY_AVAILABLE_PYTHON } from './internal-functions';
import { manageVpcNetworkInterfacesStatement, writeLogsStatement } from './lambda-vpc-statements';
import { retainedLogGroup, SET_LOG_ENCRYPTION_KEY } from './log-groups';

/** What the dispatcher needs to know. */
export interface InstallDispatcherOptions {
  /** The function that mounts the access point and installs; the dispatcher alone invokes it. */
  readonly installFunction: lambda.IFunction;
  /** The install function's timeout: the dispatcher runs `margin` longer. */
  readonly installFunctionTimeout: Duration;
  /** The one deadline margin (installer-deadlines.ts): dispatcher.py reads the same file and answers in the last half of it. */
  readonly margin: Duration;
  /** Where the install function runs: the dispatcher runs there too. */
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly architecture: lambda.Architecture;
  /** The installer's asset; the dispatcher's handler is `dispatcher.handler` in it. */
  readonly code: lambda.Code;
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * The custom resource's service token (assets/installer/dispatcher.py): a function that
 * mounts nothing, so it always runs and answers CloudFormation, even when the install
 * function cannot mount the file system. It invokes the install function synchronously and
 * answers with its result, or FAILED naming the error; a Delete it always answers SUCCESS
 * (when the install function cannot run, the installer's history stays, and the sets it names).
 *
 * It runs in the install function's VPC and subnets, with HTTPS out only (the Lambda and
 * CloudFormation APIs and the response URL, through the same route out as the install).
 * Creates its children in `scope` with ids starting `Dispatcher`.
 */
export function createInstallDispatcher(scope: Construct, options: InstallDispatcherOptions): lambda.Function {
  const securityGroup = new ec2.SecurityGroup(scope, 'DispatcherSecurityGroup', {
    vpc: options.vpc,
    description: 'EfsDependencyInstaller dispatcher: HTTPS to the Lambda and CloudFormation APIs and the response URL, nothing else',
    allowAllOutbound: false,
  });
  securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to the Lambda and CloudFormation APIs and the response URL');

  // Lambda's trust policy without aws:SourceAccount/aws:SourceArn, as EfsBackedFunction's (Lambda does not document sending them).
  const role = new iam.Role(scope, 'DispatcherRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'Execution role of the EfsDependencyInstaller dispatcher: invokes the install function, answers CloudFormation',
  });
  const logGroup = retainedLogGroup(scope, 'DispatcherLogs', {
    encryptionKey: options.logEncryptionKey,
    howToOptIn: SET_LOG_ENCRYPTION_KEY,
  });
  const policy = new iam.ManagedPolicy(scope, 'DispatcherPolicy', {
    description: 'Logs, VPC networking, invoking the install function and reading the stack\'s status, for the EfsDependencyInstaller dispatcher',
    roles: [role],
    statements: [
      writeLogsStatement(logGroup.logGroupArn),
      manageVpcNetworkInterfacesStatement(),
      new iam.PolicyStatement({
        // The unqualified function only (no `:*`): the dispatcher invokes $LATEST, and reads its
        // State to wait while Lambda re-activates it (Lambda Developer Guide, "Lambda function states").
        sid: 'InvokeInstallFunction',
        actions: ['lambda:GetFunctionConfiguration', 'lambda:InvokeFunction'],
        resources: [options.installFunction.functionArn],
      }),
      new iam.PolicyStatement({
        // To tell a rollback's Update (UPDATE_ROLLBACK_IN_PROGRESS) from a deployment's: this stack only.
        sid: 'ReadStackStatus',
        actions: ['cloudformation:DescribeStacks'],
        resources: [Aws.STACK_ID],
      }),
    ],
  });
  acknowledgeFinding(policy, 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    'Lambda needs to create, describe and delete the network interfaces of a VPC function; EC2 Describe* actions have no resource-level '
    + 'permissions and the interfaces do not exist before Lambda creates them (the actions of AWSLambdaVPCAccessExecutionRole). '
    + 'Only Lambda can use them: the statement requires lambda:SourceFunctionArn to be absent, and Lambda sets it on every request made from the function\'s code.');

  const dispatcher = new lambda.Function(scope, 'Dispatcher', {
    description: 'EfsDependencyInstaller: CloudFormation custom resource handler; invokes the install function and answers CloudFormation',
    runtime: GENERALLY_AVAILABLE_PYTHON,
    architecture: options.architecture,
    handler: 'dispatcher.handler',
    code: options.code,
    // Longer than the install function (the synchronous invocation returns by its timeout), at most Lambda's 900 s.
    timeout: options.installFunctionTimeout.plus(options.margin),
    memorySize: 256,
    role,
    logGroup,
    vpc: options.vpc,
    vpcSubnets: options.vpcSubnets,
    securityGroups: [securityGroup],
    environment: { INSTALL_FUNCTION_NAME: options.installFunction.functionName },
  });
  // Lambda checks at creation that the role may create network interfaces.
  dispatcher.node.addDependency(policy);

  acknowledgeFinding(dispatcher, 'NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ',
    'CloudFormation invokes this function asynchronously once per request; it answers every request itself (FAILED naming the error when the install '
    + 'cannot run), and a request it could not answer fails the custom resource at its ServiceTimeout, so a dead-letter queue would hold nothing to act on.');
  acknowledgeInternalFunction(dispatcher);
  return dispatcher;
}
