// The public API. Modules under ./private are internal and never exported.
export * from './inference-vpc';
export * from './shared-file-system-props';
export * from './shared-file-system';
export * from './s3-files-file-system-props';
export * from './s3-files-file-system';
export * from './efs-backed-function-props';
export * from './efs-backed-function';
export * from './cold-start-load';
export * from './throughput-planner';
export * from './storage-advisor';
export * from './synth-warnings';
export * from './file-system-client';
export * from './file-system-dashboard';
export * from './efs-dependency-installer';
