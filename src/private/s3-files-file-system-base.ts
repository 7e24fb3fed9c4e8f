import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3files from 'aws-cdk-lib/aws-s3files';
import { Construct, IDependable } from 'constructs';
import { allowNfsFromClient } from './nfs-access';
import { grantS3FilesClient } from './s3-files-resources';
import type { IS3FilesFileSystem } from '../s3-files-file-system-props';
import type { PosixAccessPointOptions } from '../shared-file-system-props';

/** The egress rule a client group gets toward S3 Files mount targets. */
export const S3_FILES_EGRESS_DESCRIPTION = 'NFS to the S3 Files mount targets';

/**
 * What an S3 Files file system does the same whether this app made it (`S3FilesFileSystem`) or
 * imported it: grants and NFS access. A subclass supplies its facts, its access points, its
 * perimeter and when its mount targets can be mounted (as `SharedFileSystemBase` for EFS).
 *
 * Not exported from the package (`@internal`): jsii copies these members into each exported subclass.
 *
 * @internal
 */
export abstract class S3FilesFileSystemBase extends Construct implements IS3FilesFileSystem {
  public abstract readonly fileSystemId: string;
  public abstract readonly fileSystemArn: string;
  public abstract readonly bucket: s3.IBucket;
  public abstract readonly vpc: ec2.IVpc;
  public abstract readonly vpcSubnets: ec2.SubnetSelection;
  public abstract readonly securityGroup: ec2.ISecurityGroup;
  public abstract readonly connections: ec2.Connections;
  public abstract readonly mountTargetsAvailable: IDependable;
  public abstract readonly mountTargetAvailabilityZones: string[];

  public abstract addAccessPoint(id: string, options: PosixAccessPointOptions): s3files.CfnAccessPoint;
  public abstract admitPrincipal(grantee: iam.IGrantable): void;

  public grantReadWrite(grantee: iam.IGrantable, accessPoint: s3files.IAccessPointRef): iam.Grant {
    return grantS3FilesClient(this, { grantee, accessPoint, readOnly: false });
  }

  public grantRead(grantee: iam.IGrantable, accessPoint: s3files.IAccessPointRef): iam.Grant {
    return grantS3FilesClient(this, { grantee, accessPoint, readOnly: true });
  }

  /**
   * Let EC2 instances, ECS/Fargate services or anything else with a security group mount the
   * file system (NFS, TCP 2049), with the rule in the client's stack. They still need a grant.
   */
  public allowMountFrom(client: ec2.IConnectable): void {
    allowNfsFromClient(this, client, S3_FILES_EGRESS_DESCRIPTION);
  }
}
