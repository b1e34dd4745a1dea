/**
 * The one place that loads aws-local-stepfunctions. The package is an ES module with a CommonJS
 * build; TypeScript (module Node16, CommonJS output) only lets a CommonJS file import its types,
 * so the runtime value comes from `require`, which Node resolves to the CommonJS build.
 */
import '../../state-machines';
import type * as Asl from 'aws-local-stepfunctions' with { 'resolution-mode': 'import' };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const asl = require('aws-local-stepfunctions') as typeof Asl;

export const { StateMachine, ExecutionError, ExecutionAbortedError, ExecutionTimeoutError } = asl;
export type StateMachine = Asl.StateMachine;
