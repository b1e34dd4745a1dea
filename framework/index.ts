/**
 * `stepwise-agents`: what a program that defines and runs agents uses. Define tools, agents and a
 * config; run an agent (in process, durably with a checkpoint store, resumed after a pause);
 * choose its model; watch its events; catch its errors. Engine and container plumbing (journal
 * folding, payload references, event logs, approval and payload stores, store keys) is not part
 * of it: the repository's engine, CLI and container import that by relative path
 * (`framework/internal.ts`), and it is left out of the published types.
 */
export { RunStatus, ErrorName, DecisionOutcome, ToolCallingMode, Defaults } from './constants';
export * from './errors';
export { AwsLimits, type AwsLimit } from './limits';
// Define
export { defineTool, isTool, type AnyTool, type ApprovalOutcome, type NeedsApproval, type Tool, type ToolContext, type ToolFor, type ToolMeter, type ToolOptions } from './tool';
export { defineAgent, isAgent, type Agent, type AgentOptions, type ApprovalPolicy, type Budget } from './agent';
export { defineConfig, isConfig, type ContextEnvironment, type ContextFactory, type StepwiseConfig, type StepwiseConfigOptions } from './config';
export { loadConfig, type LoadedConfig } from './config-loader';
export type { JsonSchema } from './json-schema';
// Tools on AWS Lambda
export { lambdaTool, lambdaToolFrom, type LambdaToolOptions, type LambdaTwinOptions } from './lambda-tool';
export type { LambdaInvokeApi, LambdaInvokeInput, LambdaInvokeOutput } from './aws/lambda-invoke-api';
export { toolHandler, type ToolHandlerArgs, type ToolHandlerOptions, type ToolErrorBody, type ToolInvocationEvent, type ToolLambdaHandler, type ToolResultEnvelope } from './tool-handler';
// Run
export { runAgent, type RunAgentOptions, type RunInput, type RunOptions, type RunResult } from './runner/runner';
export { aborted, costExceeds, durationExceeds, iterationCountIs, tokensExceed, type StopCondition } from './runner/stop-conditions';
export { RunState, type ApprovalDecision, type LedgerEntry, type LedgerStatus, type PendingApproval, type RunPhase, type RunStateData } from './run-state';
export { MemoryCheckpointStore, type AppendOptions, type CheckpointStore, type Checkpoint, type JournalRecord, type LoadedRecord, type StoredJournal } from './stores/checkpoint-store';
export { FileCheckpointStore, type FileCheckpointStoreOptions } from './stores/file-checkpoint-store';
export { DynamoDbCheckpointStore, type DynamoDbCheckpointStoreOptions } from './stores/dynamodb-checkpoint-store';
export type { DynamoDbClientInput } from './stores/dynamodb-client';
export { StoreError, CheckpointConflictError, StoreCorruptError, StoreLockTimeoutError } from './stores/errors';
// Models
export { StopReason, type Message, type Model, type ModelRequest, type ModelResponse, type ModelToolCall, type ToolSpec, type Usage } from './model';
export { openAIModel, type OpenAIModelOptions } from './models/openai';
export { bedrockModel, type BedrockModelOptions } from './models/bedrock';
export { OFFLINE_LABEL, offlinePlanner, type OfflinePlan, type PlanContext, type PlanObservation, type PlanStep } from './models/offline-planner';
export { NO_MODEL_ANSWER, offlineModel } from './models/offline-model';
export { ModelProvider, resolveModel, type ModelSettings } from './models/resolve';
// Events and cost
export { EventType, type EventListener, type StepwiseEvent } from './events';
export { CpuArchitecture, defaultPriceTable, type ComputePrice, type ModelPrice, type PriceOverrides, type PriceTable } from './cost/prices';
export type { ContainerSize, CostBreakdown, ModelCost, ResourceUsage } from './cost/breakdown';
