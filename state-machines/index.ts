import './promise-with-resolvers';

export { DecisionOutcome, ErrorName, RunStatus } from '../framework/constants';
export {
  AGENT_CONTAINER_NAME,
  ApprovalPayloadField,
  ContainerEnv,
  DefinitionDefaults,
  ApprovalNotifierSize,
  DYNAMIC_CONTAINER_ENV,
  MAX_TASK_TIMEOUT_SECONDS,
  SEND_TASK_FAILURE_LIMITS,
  TaskSizeDefaults,
  ToolFunctionSize,
  StateName,
  StatesError,
  TaskResource,
} from './constants';
export {
  approvalLambdaPayloadSchema,
  approvalRequestSchema,
  approvalResponseSchema,
  approvalResultSchema,
  costBreakdownSchema,
  executionInputSchema,
  normalizeDecision,
  parseApprovalResults,
  parseExecutionInput,
  parseTurnOutput,
  turnOutputSchema,
  type ApprovalLambdaPayload,
  type ApprovalRequest,
  type ApprovalResponse,
  type ApprovalResult,
  type ExecutionInput,
  type NormalizedDecision,
  type TurnOutput,
} from './schemas';
export { buildAgentDefinition, type AgentDefinitionOptions, type AgentWorkflowResources, type AslDefinition, type AslState } from './definition';
export { formatStoreLocation, parseStoreLocation, type DynamoDbStoreLocation, type FileStoreLocation, type StoreLocation } from './store-location';
export { installPromiseWithResolvers } from './promise-with-resolvers';
export { approvalRecordOf } from './approval-record';
export { workflowUsage } from './workflow-usage';
