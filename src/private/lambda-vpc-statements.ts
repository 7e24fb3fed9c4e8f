import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * What a function's role needs to write to its own log group: every function of the library
 * (EfsBackedFunction, the installer's dispatcher, an import's mount target check).
 */
export function writeLogsStatement(logGroupArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'WriteLogs',
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [logGroupArn],
  });
}

/**
 * What AWSLambdaVPCAccessExecutionRole grants. EC2 does not scope these actions to resources
 * Lambda could name before it creates the network interfaces. Lambda adds
 * lambda:SourceFunctionArn to every request made with the role's credentials from inside the
 * execution environment, and not to the EC2 calls it makes itself to manage the interfaces
 * (Lambda Developer Guide, "Using source function ARN to control function access behavior"):
 * only Lambda can use these.
 */
export function manageVpcNetworkInterfacesStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ManageVpcNetworkInterfaces',
    actions: [
      'ec2:CreateNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses',
      'ec2:UnassignPrivateIpAddresses',
    ],
    resources: ['*'],
    conditions: { Null: { 'lambda:SourceFunctionArn': 'true' } },
  });
}
