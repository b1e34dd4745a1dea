export { AgentPlatform, type AgentPlatformProps } from './agent-platform';
export { StepwiseStack, type StepwiseStackProps } from './stepwise-stack';
export { resolvePlatformProps, findProjectRoot, type ResolvedPlatformProps } from './platform-props';
export {
  agentContainerEnvironment,
  OPTIONAL_TASK_DEFINITION_ENV,
  TASK_DEFINITION_ENV,
  TASK_DEFINITION_SECRETS,
  type AgentContainerEnvironmentOptions,
} from './container-environment';
export {
  AGENT_TASK_ARCHITECTURE,
  APPROVALS_BY_EXECUTION_INDEX,
  ApprovalFunctionEnv,
  CHECKPOINT_PREFIX,
  FARGATE_MEMORY_BY_CPU,
  PlatformDefaults,
  PlatformPaths,
  StackOutput,
  isFargateTaskSize,
  stateMachineOutputName,
} from './constants';
export { AcknowledgedFinding } from './nag-suppressions';
export { BEDROCK_INVOKE_ACTIONS, grantBedrockModel, isBedrockModel, modelOfAgent } from './model-access';
