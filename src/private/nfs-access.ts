import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { NFS_PORT } from './efs-limits';
import { ISharedFileSystem } from '../shared-file-system';

/** Options of {@link allowNfsFrom}. */
export interface NfsAccessOptions {
  /** The description of the ingress rule. */
  readonly description: string;

  /**
   * Also add the matching egress rule to the client's group, for a group that does not
   * allow all outbound traffic.
   */
  readonly restrictEgress: boolean;
}

/**
 * Let a client's security group reach the mount targets on NFS.
 *
 * The ingress rule is created in the client's scope, not in the file system's security
 * group, so that a client in another stack adds no reference from the file system's stack
 * back to its own. With `restrictEgress` the client group also gets the matching egress
 * rule (for groups that do not allow all outbound traffic).
 */
export function allowNfsFrom(scope: Construct, fileSystem: ISharedFileSystem, client: ec2.SecurityGroup,
  options: NfsAccessOptions): ec2.CfnSecurityGroupIngress {
  if (options.restrictEgress) {
    client.addEgressRule(ec2.Peer.securityGroupId(fileSystem.securityGroup.securityGroupId), ec2.Port.tcp(NFS_PORT), 'NFS to the EFS mount targets');
  }
  return new ec2.CfnSecurityGroupIngress(scope, 'NfsIngress', {
    groupId: fileSystem.securityGroup.securityGroupId,
    sourceSecurityGroupId: client.securityGroupId,
    ipProtocol: 'tcp',
    fromPort: NFS_PORT,
    toPort: NFS_PORT,
    description: options.description,
  });
}
