export { AgentPlatform, type AgentPlatformProps } from './agent-platform';
// How an agent container tunes V8 (`AgentPlatformProps.containerV8`): the container contract's values.
export { ContainerV8Tuning } from '../state-machines/container-v8-tuning';
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
  EventStreamLimits,
  EventsFunctionEnv,
  FARGATE_MEMORY_BY_CPU,
  PlatformDefaults,
  PlatformPaths,
  StackOutput,
  isFargateTaskSize,
  stateMachineOutputName,
} from './constants';
export { AcknowledgedFinding } from './nag-suppressions';
export { agentImageAssetProps } from './agent-image';
export { TaskStopReporter, taskDefinitionRevisionArn, type TaskStopReporterProps } from './task-stop-reporter';
export { iamDescription, lambdaDescription } from './descriptions';
export { ExecutionEventsEndpoint, executionsArn, type ExecutionEventsEndpointProps } from './execution-events-endpoint';
export { BEDROCK_INVOKE_ACTIONS, grantBedrockModel, isBedrockModel, modelOfAgent } from './model-access';
