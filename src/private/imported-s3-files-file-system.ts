import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3files from 'aws-cdk-lib/aws-s3files';
import { Construct, DependencyGroup, IDependable } from 'constructs';
import { s3FilesAccessPointProps } from './access-point-options';
import { NFS_PORT } from './efs-limits';
import { invalidInput } from './errors';
import { S3FilesFileSystemBase } from './s3-files-file-system-base';
import type { S3FilesFileSystemAttributes } from '../s3-files-file-system-props';
import type { PosixAccessPointOptions } from '../shared-file-system-props';

/**
 * An S3 Files file system made outside this app, as `S3FilesFileSystem.fromFileSystemAttributes`
 * imports it. Its file system policy and mount targets are its owner's: grants go into the
 * grantees' identity policies only. Clients do not wait for its mount targets (they exist
 * before the app deploys).
 */
export class ImportedS3FilesFileSystem extends S3FilesFileSystemBase {
  public readonly fileSystemId: string;
  public readonly fileSystemArn: string;
  public readonly bucket: s3.IBucket;
  public readonly vpc: ec2.IVpc;
  public readonly vpcSubnets: ec2.SubnetSelection;
  public readonly securityGroup: ec2.ISecurityGroup;
  public readonly connections: ec2.Connections;
  public readonly mountTargetAvailabilityZones: string[];
  public readonly mountTargetsAvailable: IDependable = new DependencyGroup();

  constructor(scope: Construct, id: string, attrs: S3FilesFileSystemAttributes) {
    super(scope, id);
    this.fileSystemId = attrs.fileSystemId;
    this.fileSystemArn = attrs.fileSystemArn ?? Stack.of(this).formatArn({ service: 's3files', resource: 'file-system', resourceName: attrs.fileSystemId });
    this.bucket = attrs.bucket;
    this.vpc = attrs.vpc;
    this.vpcSubnets = attrs.vpcSubnets ?? { onePerAz: true };
    this.securityGroup = attrs.securityGroup;
    this.connections = new ec2.Connections({ securityGroups: [attrs.securityGroup], defaultPort: ec2.Port.tcp(NFS_PORT) });
    const subnets = attrs.vpc.selectSubnets(this.vpcSubnets).subnets;
    if (subnets.length === 0) {
      throw invalidInput(this, 'vpcSubnets', "vpcSubnets selects no subnets of the VPC: name the subnets of the file system's mount targets");
    }
    this.mountTargetAvailabilityZones = [...new Set(subnets.map(subnet => subnet.availabilityZone))];
  }

  public addAccessPoint(id: string, options: PosixAccessPointOptions): s3files.CfnAccessPoint {
    return new s3files.CfnAccessPoint(this, id, s3FilesAccessPointProps(this, this.fileSystemId, options));
  }

  /** The file system policy is its owner's: nothing to name in it. */
  public admitPrincipal(_grantee: iam.IGrantable): void {
  }
}
