import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { invalidInput } from './errors';
import { zoneName } from './zones';

/**
 * The subnets of `vpcSubnets` for mount targets, checked as EFS and S3 Files both need them:
 * at least one, at most one per Availability Zone (a second mount target in a zone is
 * rejected), and none public unless `allowPublicSubnets`. Reported at `scope`, the file system.
 */
export function mountTargetSubnets(scope: IConstruct | undefined, vpc: ec2.IVpc, vpcSubnets: ec2.SubnetSelection,
  allowPublicSubnets: boolean): ec2.ISubnet[] {
  const selected = vpc.selectSubnets(vpcSubnets);
  if (selected.subnets.length === 0) {
    throw invalidInput(scope, 'vpcSubnets', 'vpcSubnets selects no subnets of the VPC: a file system needs at least one subnet for a mount target');
  }
  // Zone names may be tokens (environment-agnostic stacks), but subnets of one VPC in
  // the same zone share the same token, so comparing the strings still works.
  const zones = selected.subnets.map(subnet => subnet.availabilityZone);
  if (new Set(zones).size !== zones.length) {
    const got = selected.subnets.map(subnet => zoneName(subnet.availabilityZone, subnet)).join(', ');
    throw invalidInput(scope, ['vpcSubnets', 'onePerAz'], `vpcSubnets must select at most one subnet per Availability Zone (got zones ${got}); add onePerAz: true`);
  }
  if (!allowPublicSubnets) {
    checkNoPublicSubnet(scope, vpc, selected.subnets);
  }
  return selected.subnets;
}

/** Mount targets in a subnet routed to an internet gateway are one security group rule away from the internet. */
function checkNoPublicSubnet(scope: IConstruct | undefined, vpc: ec2.IVpc, subnets: ec2.ISubnet[]): void {
  const publicIds = new Set(vpc.publicSubnets.map(subnet => subnet.subnetId));
  const exposed = subnets.filter(subnet => publicIds.has(subnet.subnetId));
  if (exposed.length > 0) {
    throw invalidInput(scope, ['vpcSubnets', 'subnetType', 'allowPublicSubnets'],
      `vpcSubnets must not select public subnets for mount targets (got ${exposed.map(subnet => subnet.node.path).join(', ')}): `
      + 'select private or isolated subnets (subnetType PRIVATE_WITH_EGRESS or PRIVATE_ISOLATED), '
      + 'or pass allowPublicSubnets: true to accept them');
  }
}
