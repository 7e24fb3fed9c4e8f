import { Duration, Fn, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3files from 'aws-cdk-lib/aws-s3files';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeFinding, acknowledgeFindings } from './acknowledgments';
import { grantNfsClient } from './client-grants';
import { invalidInput } from './errors';
import { S3_FILES } from './nfs-services';
import type { IS3FilesFileSystem } from '../s3-files-file-system-props';

/**
 * The prefix of the EventBridge rules S3 Files creates to learn of changes in the bucket
 * (aws-cdk-lib's aws-lambda README, "S3 Files Filesystem": rules "prefixed
 * `DO-NOT-DELETE-S3-Files`").
 */
export const S3_FILES_RULE_PREFIX = 'DO-NOT-DELETE-S3-Files';

/** The principal S3 Files assumes the sync role as (aws-cdk-lib's aws-lambda README, "S3 Files Filesystem"). */
export const S3_FILES_SERVICE_PRINCIPAL = 'elasticfilesystem.amazonaws.com';

/**
 * A bucket for S3 Files: versioned (S3 Files relies on object versions), encrypted with SSE-S3
 * or the given key, TLS only, public access blocked, objects owned by the bucket owner, its
 * events sent to EventBridge (where the rules S3 Files creates listen; docs/assumptions.md),
 * incomplete multipart uploads removed after a week.
 */
export function syncedBucket(scope: Construct, id: string, kmsKey: kms.IKey | undefined, removalPolicy: RemovalPolicy): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    versioned: true,
    encryption: kmsKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
    encryptionKey: kmsKey,
    bucketKeyEnabled: kmsKey !== undefined,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    // Touches no object version: S3 Files relies on them.
    lifecycleRules: [{ id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) }],
    removalPolicy,
  });
  // On the bucket resource itself: aws-cdk-lib's eventBridgeEnabled adds a custom resource for it.
  (bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
  const reason = (what: string) => `${what} is the owner's choice: pass bucket with it to S3FilesFileSystem; the bucket is versioned, encrypted, TLS-only and private.`;
  acknowledgeFinding(bucket, 'AwsSolutions::AwsSolutions-S1', reason('Server access logging (a log bucket of its own)'));
  acknowledgeFinding(bucket, 'NIST.800.53.R5::NIST.800.53.R5-S3BucketLoggingEnabled', reason('Server access logging (a log bucket of its own)'));
  acknowledgeFinding(bucket, 'cdk-validator-cfnguard::s3_bucket_logging_enabled_check', reason('Server access logging (a log bucket of its own)'));
  acknowledgeFinding(bucket, 'NIST.800.53.R5::NIST.800.53.R5-S3BucketReplicationEnabled', reason('Cross-region replication (a second bucket and region)'));
  acknowledgeFinding(bucket, 'cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check',
    'Object Lock would keep the file system from deleting or overwriting the objects behind its files; the bucket is versioned instead.');
  if (!kmsKey) {
    const sseS3 = 'Encrypted with SSE-S3 by default; pass kmsKey to S3FilesFileSystem for SSE-KMS with a customer-managed key.';
    acknowledgeFinding(bucket, 'NIST.800.53.R5::NIST.800.53.R5-S3DefaultEncryptionKMS', sseS3);
    acknowledgeFinding(bucket, 'cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check', sseS3);
  }
  return bucket;
}

/**
 * A bucket of the app must be versioned; an imported one is the owner's to version (documented).
 * Reported at `scope`, the file system given the bucket.
 */
export function checkVersioned(scope: IConstruct | undefined, bucket: s3.IBucket): void {
  const cfn = bucket.node.defaultChild;
  if (!(cfn instanceof s3.CfnBucket)) {
    return;
  }
  const versioning = Stack.of(bucket).resolve(cfn.versioningConfiguration);
  if (versioning?.status !== 'Enabled') {
    throw invalidInput(scope, ['bucket', 'versioned'], `bucket ${bucket.node.path} must be versioned: S3 Files relies on object versions `
      + 'to keep the file system and the bucket in sync; create it with versioned: true');
  }
}

/** The sync role and the managed policy that holds its permissions. */
export interface SyncRole {
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;
}

/**
 * The role S3 Files assumes to keep the file system and the bucket in sync, with what
 * aws-cdk-lib's documentation says it needs (aws-lambda README, "S3 Files Filesystem"), scoped:
 * - S3: list the bucket, and read, write, delete and abort uploads of its objects only;
 * - EventBridge: manage only the rules S3 Files creates (name prefix `DO-NOT-DELETE-S3-Files`,
 *   `events:ManagedBy` the service), in the file system's account and Region (S3 sends its
 *   events to EventBridge in the bucket's Region and account); describe and list their
 *   targets; list rules (`ListRules` and `ListRuleNamesByTarget` have no resource type in the
 *   Service Authorization Reference: `*` is the only resource they match);
 * - KMS: the bucket's customer-managed key, when it has one, to read and write its objects.
 * The file system should depend on the returned policy, so that it is created once the
 * role may sync.
 */
export function syncRole(scope: Construct, id: string, bucket: s3.IBucket, removalPolicy: RemovalPolicy): SyncRole {
  const stack = Stack.of(scope);
  const rules = `arn:${stack.partition}:events:${stack.region}:${stack.account}:rule/${S3_FILES_RULE_PREFIX}*`;
  const statements = [
    new iam.PolicyStatement({ sid: 'ListBucket', actions: ['s3:ListBucket*'], resources: [bucket.bucketArn] }),
    new iam.PolicyStatement({
      sid: 'SyncObjects',
      actions: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject*', 's3:List*', 's3:PutObject*'],
      resources: [bucket.arnForObjects('*')],
    }),
    new iam.PolicyStatement({
      sid: 'ManageSyncRules',
      actions: [
        'events:DeleteRule', 'events:DisableRule', 'events:EnableRule', 'events:PutRule', 'events:PutTargets', 'events:RemoveTargets',
      ],
      resources: [rules],
      conditions: { StringEquals: { 'events:ManagedBy': S3_FILES_SERVICE_PRINCIPAL } },
    }),
    new iam.PolicyStatement({ sid: 'ReadSyncRules', actions: ['events:DescribeRule', 'events:ListTargetsByRule'], resources: [rules] }),
    new iam.PolicyStatement({ sid: 'ListRules', actions: ['events:ListRuleNamesByTarget', 'events:ListRules'], resources: ['*'] }),
  ];
  if (bucket.encryptionKey) {
    statements.push(new iam.PolicyStatement({
      sid: 'UseBucketKey',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [bucket.encryptionKey.keyArn],
    }));
  }
  const role = new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal(S3_FILES_SERVICE_PRINCIPAL),
    description: 'Lets Amazon S3 Files keep a file system and its bucket in sync',
  });
  const policy = new iam.ManagedPolicy(scope, `${id}Policy`, {
    description: 'What Amazon S3 Files needs to keep one file system and its bucket in sync',
    roles: [role],
    statements,
  });
  for (const resource of [role, policy]) {
    resource.applyRemovalPolicy(removalPolicy);
  }
  const reason = 'The S3 and EventBridge actions aws-cdk-lib documents for the S3 Files sync role (aws-lambda README, "S3 Files Filesystem"): '
    + 'objects of this bucket only, rules named DO-NOT-DELETE-S3-Files* managed by S3 Files in this account and Region only; ListRules and '
    + 'ListRuleNamesByTarget support no resource but * (Service Authorization Reference).';
  const literal = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<${pseudo}>` : value);
  acknowledgeFindings(policy, 'AwsSolutions::AwsSolutions-IAM5', [
    'Action::s3:ListBucket*', 'Action::s3:GetObject*', 'Action::s3:List*', 'Action::s3:PutObject*',
    bucketObjectsFinding(bucket),
    `Resource::arn:<AWS::Partition>:events:${literal(stack.region, 'AWS::Region')}:${literal(stack.account, 'AWS::AccountId')}:rule/${S3_FILES_RULE_PREFIX}*`,
    'Resource::*',
  ], reason);
  return { role, policy };
}

/** How cdk-nag names a wildcard on the bucket's objects: `Resource::<Bucket.Arn>/*`, `Resource::arn:<AWS::Partition>:s3:::name/*`. */
export function bucketObjectsFinding(bucket: s3.IBucket): string {
  return `Resource::${nagString(Stack.of(bucket).resolve(bucket.arnForObjects('*')))}`;
}

/** A resolved value as cdk-nag prints it: `{ Ref: X }` as `<X>`, `{ Fn::GetAtt: [X, A] }` as `<X.A>`, joins concatenated. */
function nagString(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  const v = value as Record<string, any>;
  if (typeof v?.Ref === 'string') {
    return `<${v.Ref}>`;
  }
  if (Array.isArray(v?.['Fn::GetAtt'])) {
    return `<${v['Fn::GetAtt'].join('.')}>`;
  }
  if (Array.isArray(v?.['Fn::Join'])) {
    return (v['Fn::Join'][1] as unknown[]).map(nagString).join(v['Fn::Join'][0]);
  }
  return JSON.stringify(value);
}

/**
 * The id of the file system an access point belongs to, when it can be known at synth: an
 * access point of the app names it, an imported one carries it in its ARN
 * (`file-system/<id>/access-point/<id>`, Service Authorization Reference). Undefined otherwise.
 */
export function s3FilesAccessPointOwner(accessPoint: s3files.IAccessPointRef): string | undefined {
  if (accessPoint instanceof s3files.CfnAccessPoint) {
    return accessPoint.fileSystemId;
  }
  const arn = accessPoint.accessPointRef.accessPointArn;
  if (Token.isUnresolved(arn)) {
    return undefined;
  }
  return /:file-system\/([^/]+)\/access-point\//.exec(arn)?.[1];
}

/** The access point must be one of `fileSystem`'s (as checkAccessPointOf for EFS); a mismatch is reported at `scope`. */
export function checkS3FilesAccessPointOf(scope: IConstruct | undefined, fileSystem: IS3FilesFileSystem, accessPoint: s3files.IAccessPointRef,
  use: string): void {
  const owner = s3FilesAccessPointOwner(accessPoint);
  if (owner === undefined || owner === fileSystem.fileSystemId) {
    return;
  }
  // Both known at synth and different, or two tokens of different resources.
  if (Token.isUnresolved(owner) !== Token.isUnresolved(fileSystem.fileSystemId) && !(accessPoint instanceof s3files.CfnAccessPoint)) {
    return;
  }
  const name = Construct.isConstruct(fileSystem) ? fileSystem.node.path : fileSystem.fileSystemId;
  throw invalidInput(scope, 'accessPoint', `${use}: accessPoint ${accessPoint.node.path} must belong to the S3 Files file system ${name}: `
    + 'use that file system\'s addAccessPoint, or S3FilesFileSystem.fromAccessPointAttributes with it');
}

/** An access point of an S3 Files file system made outside the app, by ARN. */
export class ImportedS3FilesAccessPoint extends Resource implements s3files.IAccessPointRef {
  public readonly accessPointRef: s3files.AccessPointReference;

  constructor(scope: Construct, id: string, accessPointArn: string) {
    super(scope, id);
    const accessPointId = Token.isUnresolved(accessPointArn)
      ? Fn.select(3, Fn.split('/', accessPointArn))
      : accessPointArn.split('/').pop()!;
    this.accessPointRef = { accessPointArn, accessPointId };
  }
}

/**
 * Grant `grantee` the S3 Files client actions through `accessPoint` only, after checking that
 * it is one of `fileSystem`'s: the one grant of an S3 Files file system made here or imported
 * (as `grantClient` is for EFS).
 */
export function grantS3FilesClient(
  fileSystem: IS3FilesFileSystem & IConstruct, grant: { grantee: iam.IGrantable; accessPoint: s3files.IAccessPointRef; readOnly: boolean },
): iam.Grant {
  checkS3FilesAccessPointOf(fileSystem, fileSystem, grant.accessPoint, grant.readOnly ? 'grantRead' : 'grantReadWrite');
  return grantNfsClient(fileSystem, {
    service: S3_FILES,
    grantee: grant.grantee,
    accessPointArn: grant.accessPoint.accessPointRef.accessPointArn,
    readOnly: grant.readOnly,
  });
}
