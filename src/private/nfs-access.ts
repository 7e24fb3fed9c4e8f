import { Names } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct, IConstruct, IDependable } from 'constructs';
import { NFS_PORT } from './efs-limits';
import { invalidInput } from './errors';

/** What clients are let into: the mount targets' security group, and when they can be mounted. */
export interface NfsTarget {
  readonly securityGroup: ec2.ISecurityGroup;
  readonly mountTargetsAvailable: IDependable;
}

/** The description of the egress rule of a client group toward the mount targets. */
const EFS_EGRESS_DESCRIPTION = 'NFS to the EFS mount targets';

/** Options of `allowNfsFrom`. */
export interface NfsAccessOptions {
  /** The description of the ingress rule. */
  readonly description: string;

  /**
   * Also add the matching egress rule to the client's group, for a group that does not
   * allow all outbound traffic.
   */
  readonly restrictEgress: boolean;

  /**
   * The description of that egress rule.
   *
   * @default 'NFS to the EFS mount targets'
   */
  readonly egressDescription?: string;
}

/**
 * Let a client's security group reach the mount targets on NFS.
 *
 * The ingress rule is created in the client's scope, not in the file system's security
 * group, so that a client in another stack adds no reference from the file system's stack
 * back to its own. With `restrictEgress` the client group also gets the matching egress
 * rule (for groups that do not allow all outbound traffic).
 */
export function allowNfsFrom(scope: Construct, fileSystem: NfsTarget, client: ec2.SecurityGroup,
  options: NfsAccessOptions): ec2.CfnSecurityGroupIngress {
  if (options.restrictEgress) {
    client.addEgressRule(ec2.Peer.securityGroupId(fileSystem.securityGroup.securityGroupId), ec2.Port.tcp(NFS_PORT),
      options.egressDescription ?? EFS_EGRESS_DESCRIPTION);
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

/**
 * Let every security group of `client` (an EC2 instance, an ECS service, ...) mount the file
 * system, the way `allowNfsFrom` does for functions: each ingress rule is created beside the
 * client's security group, in the client's stack, so a client in another stack adds no
 * reference from the file system's stack to its own. A client that is a construct also
 * waits for the mount targets (a dependency from its own stack). Calling it again for the
 * same client and file system adds nothing.
 */
export function allowNfsFromClient(fileSystem: NfsTarget & IConstruct, client: ec2.IConnectable, egressDescription = EFS_EGRESS_DESCRIPTION): void {
  const groups = client.connections.securityGroups;
  if (groups.length === 0) {
    throw invalidInput(fileSystem, ['client', 'allowMountFrom', 'allowMountFromCidr'], 'client has no security group: allowMountFrom lets the security groups '
      + 'of a client in (an EC2 instance, an ECS service, a function); for an address range use allowMountFromCidr');
  }
  const target = fileSystem.securityGroup;
  for (const group of groups) {
    const id = `NfsTo${Names.uniqueId(target)}`;
    if (group.node.tryFindChild(id)) {
      continue;
    }
    new ec2.CfnSecurityGroupIngress(group, id, {
      groupId: target.securityGroupId,
      sourceSecurityGroupId: group.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: NFS_PORT,
      toPort: NFS_PORT,
      description: `NFS from ${group.node.path}`,
    });
    if (!group.allowAllOutbound) {
      group.addEgressRule(ec2.Peer.securityGroupId(target.securityGroupId), ec2.Port.tcp(NFS_PORT), egressDescription);
    }
  }
  if (Construct.isConstruct(client)) {
    client.node.addDependency(fileSystem.mountTargetsAvailable);
  }
}
