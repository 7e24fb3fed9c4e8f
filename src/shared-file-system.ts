import { Lazy, RemovalPolicy, Size, SizeRoundingBehavior, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IDependable } from 'constructs';
import { ExpectedLoad } from './cold-start-load';
import { posixAccessPointOptions } from './private/access-point-options';
import { acknowledgeFinding } from './private/acknowledgments';
import { addCapacityWarnings, CapacityCheckInput, planFor } from './private/capacity-warnings';
import { MAX_CLIENT_CONNECTIONS, NFS_PORT } from './private/efs-limits';
import { invalidInput } from './private/errors';
import { fileSystemPolicy, PerimeterPrincipals } from './private/file-system-policy';
import { ImportedSharedFileSystem } from './private/imported-shared-file-system';
import { mountTargetSubnets } from './private/mount-target-subnets';
import { SharedFileSystemBase } from './private/shared-file-system-base';
import { checkEfsId } from './private/validation';
import { ISharedFileSystem, PosixAccessPointOptions, SharedAccessPointAttributes, SharedFileSystemAttributes, SharedFileSystemProps, CidrMountOptions } from './shared-file-system-props';
import { ThroughputPlan } from './throughput-planner';

/**
 * An EFS file system for Lambda functions (and other NFS clients) to share.
 *
 * Encrypted, retained on stack deletion, backed up, Elastic throughput, with mount targets
 * in the private subnets and a file system policy that denies access without TLS, access
 * outside the mount targets, (by default) access without an access point and access by any
 * principal the stack did not grant. Clients get in through POSIX access points and grants
 * scoped to them.
 */
export class SharedFileSystem extends SharedFileSystemBase {
  /** NFS, the only port EFS mount targets listen on (TCP). */
  public static readonly NFS_PORT = NFS_PORT;

  /**
   * The NFS client connections EFS allows per file system. Each Lambda execution
   * environment that mounts the file system holds one, so the reserved concurrency of its
   * functions should add up to less (synth warns otherwise: `SynthWarnings.CLIENT_CONNECTION_LIMIT`).
   */
  public static readonly MAX_CLIENT_CONNECTIONS = MAX_CLIENT_CONNECTIONS;

  /**
   * A file system made outside this app (another stack, another tool, another team), for
   * `EfsBackedFunction`, `EfsDependencyInstaller`, grants, access points and alarms. Its file
   * system policy stays its owner's: grants go into the grantees' identity policies, scoped
   * to one access point as for a file system of this app. Clients wait at deploy time
   * until it has an available mount target in each Availability Zone of `vpcSubnets`.
   */
  public static fromFileSystemAttributes(scope: Construct, id: string, attrs: SharedFileSystemAttributes): ISharedFileSystem {
    return new ImportedSharedFileSystem(scope, id, attrs);
  }

  /**
   * An existing access point of `attrs.fileSystem`: EfsBackedFunction and grants scope
   * permissions to it, and refuse it with another file system.
   */
  public static fromAccessPointAttributes(scope: Construct, id: string, attrs: SharedAccessPointAttributes): efs.IAccessPoint {
    checkEfsId(scope, 'accessPointId', attrs.accessPointId, 'fsap');
    const fileSystem = attrs.fileSystem;
    const efsFileSystem = fileSystem instanceof SharedFileSystem || fileSystem instanceof ImportedSharedFileSystem
      ? fileSystem.fileSystem
      : efs.FileSystem.fromFileSystemAttributes(scope, `${id}FileSystem`, {
        fileSystemId: fileSystem.fileSystemId,
        securityGroup: fileSystem.securityGroup,
      });
    return efs.AccessPoint.fromAccessPointAttributes(scope, id, { accessPointId: attrs.accessPointId, fileSystem: efsFileSystem });
  }

  /** The EFS file system. */
  public readonly fileSystem: efs.FileSystem;
  public readonly fileSystemId: string;
  public readonly fileSystemArn: string;
  public readonly vpc: ec2.IVpc;
  public readonly vpcSubnets: ec2.SubnetSelection;
  public readonly securityGroup: ec2.ISecurityGroup;
  public readonly connections: ec2.Connections;
  public readonly mountTargetsAvailable: IDependable;
  public readonly mountTargetAvailabilityZones: string[];

  /** The access points added with `addAccessPoint`. */
  public readonly accessPoints: efs.AccessPoint[] = [];

  /** The throughput mode. */
  public readonly throughputMode: efs.ThroughputMode;

  /** The provisioned throughput, with `ThroughputMode.PROVISIONED`. */
  public readonly provisionedThroughputPerSecond?: Size;

  /** The load declared in `expectedLoad`. */
  public readonly expectedLoad?: ExpectedLoad;

  private readonly perimeter = new PerimeterPrincipals(this);
  private readonly addedPolicy = new iam.PolicyDocument();

  constructor(scope: Construct, id: string, props: SharedFileSystemProps) {
    super(scope, id);
    checkThroughput(this, props.throughputMode, props.provisionedThroughputPerSecond);

    this.vpc = props.vpc;
    this.vpcSubnets = props.vpcSubnets ?? { onePerAz: true };
    const selected = mountTargetSubnets(this, props.vpc, this.vpcSubnets, props.allowPublicSubnets ?? false);
    this.mountTargetAvailabilityZones = selected.map(subnet => subnet.availabilityZone);

    this.securityGroup = props.securityGroup ?? new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'EFS mount targets: NFS from granted clients only',
      allowAllOutbound: false,
    });

    this.throughputMode = props.throughputMode ?? efs.ThroughputMode.ELASTIC;
    this.provisionedThroughputPerSecond = props.provisionedThroughputPerSecond;
    this.expectedLoad = props.expectedLoad;
    const automaticBackups = props.automaticBackups ?? true;
    this.fileSystem = new efs.FileSystem(this, 'FileSystem', {
      vpc: props.vpc,
      vpcSubnets: this.vpcSubnets,
      securityGroup: this.securityGroup,
      encrypted: true,
      kmsKey: props.kmsKey,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      enableAutomaticBackups: automaticBackups,
      throughputMode: this.throughputMode,
      provisionedThroughputPerSecond: props.provisionedThroughputPerSecond,
      lifecyclePolicy: props.transitionToInfrequentAccess,
      fileSystemName: props.fileSystemName,
      // Receives what users add with fileSystem.addToResourcePolicy; merged below.
      fileSystemPolicy: this.addedPolicy,
      // We write the whole policy ourselves. Leaving this unset would let CDK add, under a
      // feature flag, an Allow of ClientWrite and ClientRootAccess to any principal.
      allowAnonymousAccess: true,
    });
    // The perimeter names every granted role, and grants come after the file system (even
    // from other stacks): the policy is rendered at synth, from the grants made by then.
    const policyOptions = {
      requireAccessPoint: props.requireAccessPoint ?? true,
      restrictToGrantedPrincipals: props.restrictToGrantedPrincipals ?? true,
    };
    (this.fileSystem.node.defaultChild as efs.CfnFileSystem).fileSystemPolicy = Lazy.any({
      produce: () => {
        const ours = fileSystemPolicy({ ...policyOptions, grantedPrincipalArns: this.perimeter.arns }).toJSON();
        const added = this.addedPolicy.isEmpty ? [] : this.addedPolicy.toJSON().Statement;
        return { ...ours, Statement: [...ours.Statement, ...added] };
      },
    });
    this.fileSystemId = this.fileSystem.fileSystemId;
    this.fileSystemArn = this.fileSystem.fileSystemArn;
    this.connections = this.fileSystem.connections;
    this.mountTargetsAvailable = this.fileSystem.mountTargetsAvailable;

    // The checks need every client, so they run at synth, once the app is complete.
    this.node.addValidation({ validate: () => { addCapacityWarnings(this.capacityCheckInput()); return []; } });

    if (automaticBackups) {
      acknowledgeFinding(this.fileSystem, 'NIST.800.53.R5::NIST.800.53.R5-EFSInBackupPlan',
        'Automatic backups are on (BackupPolicy ENABLED): EFS enrolls the file system in the AWS Backup plan aws/efs/automatic-backup-plan, which AWS creates outside this template.');
    }
  }

  /**
   * Add an access point that runs every operation as one POSIX user, confined to `path`.
   */
  public addAccessPoint(id: string, options: PosixAccessPointOptions): efs.AccessPoint {
    const accessPoint = this.fileSystem.addAccessPoint(id, posixAccessPointOptions(this, options));
    this.accessPoints.push(accessPoint);
    return accessPoint;
  }

  /** The throughput plan for `expectedLoad` and the registered clients' cold starts; undefined when neither is declared. */
  public throughputPlan(): ThroughputPlan | undefined {
    return planFor(this.capacityCheckInput());
  }

  /**
   * Let an address range, such as an on-premises network reached over VPN or Direct
   * Connect, mount the file system (NFS, TCP 2049).
   */
  public allowMountFromCidr(cidr: string, options: CidrMountOptions = {}): void {
    if (!Token.isUnresolved(cidr) && /\/0+$/.test(cidr.trim()) && !options.allowAnyAddress) {
      throw invalidInput(this, 'allowAnyAddress', `cidr must not cover every address (got '${cidr}'): name the network that mounts, `
        + "such as '10.20.0.0/16', or pass allowAnyAddress: true to accept it");
    }
    const peer = !Token.isUnresolved(cidr) && cidr.includes(':') ? ec2.Peer.ipv6(cidr) : ec2.Peer.ipv4(cidr);
    this.connections.allowFrom(peer, ec2.Port.tcp(NFS_PORT), `NFS from ${cidr}`);
  }

  /**
   * Name `grantee`'s role in the file system policy's perimeter, so that it is not denied
   * (grants do this; EfsBackedFunction calls it for its role). It gives no permission by
   * itself: grants put the permissions into the grantee's identity policy, scoped to the access
   * point, as the file system policy cannot name an access point (CloudFormation sets the policy
   * on the file system resource, which every access point depends on: a cycle). The policy
   * spares roles by name, never by a reference to the role: a role of the app without a
   * `roleName` is given one (its stack, construct path and region).
   */
  public admitPrincipal(grantee: iam.IGrantable): void {
    this.perimeter.admit(grantee);
  }

  private capacityCheckInput(): CapacityCheckInput {
    return {
      fileSystem: this.fileSystem,
      throughputMode: this.throughputMode,
      provisionedThroughput: this.provisionedThroughputPerSecond,
      expectedLoad: this.expectedLoad,
      clients: this._clients,
    };
  }
}

function checkThroughput(scope: Construct, mode: efs.ThroughputMode | undefined, rate: Size | undefined): void {
  const accepted = `one of ${Object.values(efs.ThroughputMode).join(', ')}`;
  if (mode !== undefined && !Object.values(efs.ThroughputMode).includes(mode)) {
    throw invalidInput(scope, 'throughputMode', `throughputMode must be ${accepted} (got '${mode}')`);
  }
  if (mode === efs.ThroughputMode.PROVISIONED) {
    if (rate === undefined) {
      throw invalidInput(scope, ['provisionedThroughputPerSecond', 'throughputMode'],
        'provisionedThroughputPerSecond is required when throughputMode is PROVISIONED (at least 1 MiB/s)');
    }
    const mebibytes = rate.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
    if (!Token.isUnresolved(mebibytes) && mebibytes < 1) {
      throw invalidInput(scope, 'provisionedThroughputPerSecond', `provisionedThroughputPerSecond must be at least 1 MiB/s (got ${mebibytes} MiB/s)`);
    }
  } else if (rate !== undefined) {
    throw invalidInput(scope, ['provisionedThroughputPerSecond', 'throughputMode'],
      `provisionedThroughputPerSecond is only used with throughputMode PROVISIONED (got throughputMode '${mode ?? efs.ThroughputMode.ELASTIC}')`);
  }
}
