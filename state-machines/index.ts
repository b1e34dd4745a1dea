import './promise-with-resolvers';

export { DecisionOutcome, ErrorName, RunStatus } from '../framework/constants';
export {
  AGENT_CONTAINER_NAME,
  ApprovalPayloadField,
  ContainerEnv,
  DecisionPayloadField,
  DefinitionDefaults,
  ApprovalNotifierSize,
  DYNAMIC_CONTAINER_ENV,
  InlineLimits,
  MAX_TASK_TIMEOUT_SECONDS,
  SEND_TASK_FAILURE_LIMITS,
  TaskSizeDefaults,
  ToolFunctionSize,
  StateName,
  StatesError,
  TaskResource,
  WorkflowField,
} from './constants';
export {
  approvalAnswerSchema,
  approvalLambdaPayloadSchema,
  approvalRequestSchema,
  approvalResponseSchema,
  costBreakdownSchema,
  decisionPayloadSchema,
  executionInputSchema,
  parseDecisionPayload,
  parseExecutionInput,
  parseTurnOutput,
  storedDecisionSchema,
  turnOutputSchema,
  type ApprovalAnswer,
  type ApprovalLambdaPayload,
  type ApprovalRequest,
  type ApprovalResponse,
  type DecisionPayload,
  type ExecutionInput,
  type NormalizedDecision,
  type StoredDecision,
  type TurnOutput,
} from './schemas';
export { PayloadKey } from './payload-keys';
export { createDecisionRecorder, decisionOf, type DecisionMarker, type DecisionRecorderOptions } from './decision-recorder';
export { answerApproval, encodeApprovalAnswer, uploaderOf, type ApproverDecision, type PayloadUploader, type TaskAnswer } from './approval-answer';
export { buildAgentDefinition, type AgentDefinitionOptions, type AgentWorkflowResources, type AslDefinition, type AslState } from './definition';
export { ContainerV8Tuning, parseContainerV8Tuning } from './container-v8-tuning';
export { formatStoreLocation, parseStoreLocation, type DynamoDbStoreLocation, type FileStoreLocation, type StoreLocation } from './store-location';
export { installPromiseWithResolvers } from './promise-with-resolvers';
export { approvalRecordOf } from './approval-record';
export { workflowUsage } from './workflow-usage';
