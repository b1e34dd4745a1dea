/**
 * The main entry plus the plumbing the repository's own layers share (the local engine, the CLI,
 * the agent container, the state machines, the CDK constructs): journal folding, payload
 * references, event logs, approval and payload stores, store keys, config loading for the engine.
 * Not a package entry (the exports map does not name it): users import `stepwise-agents`.
 */
export * from './index';
export * from './constants';
export { utf8Bytes } from './limits';
export { toolNeedsApproval, toolContextFor, type ToolCallContext } from './tool';
export { toStrictJsonSchema } from './json-schema';
export { keysNotInCall, parseEditedArguments, unknownArgumentKeys } from './edited-arguments';
export { contextOfConfig } from './config';
export { loadCompiledConfig } from './config-loader';
export { UserFileLimits, readRegularFile, regularFileProblem } from './user-files';
export * from './models';
export { NO_MODEL_ANSWER } from './models/offline-model';
export { chooseModel, type ModelChoices } from './models/resolve';
export { EventStream } from './events';
export { RUN_STATE_SCHEMA_VERSION } from './run-state';
export * from './runner';
export { JOURNAL_RECORD_VERSION, JournalDefaults, foldJournal, loadRunState, saveRunState, type StepRecord } from './journal';
export type { RunPlatform, WorkflowUsage } from './runner/platform';
export * from './cost';
export * from './stores';
