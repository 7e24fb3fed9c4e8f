export * from './inference-vpc';
export * from './shared-file-system';
export * from './efs-backed-function';
export * from './throughput-planner';
