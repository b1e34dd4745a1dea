// Runs a generated definition in aws-local-stepfunctions the way the local engine will: a context
// that supplies $$.Execution.Id and a fresh $$.Task.Token per task, and local handlers for the
// two Task states. The polyfill must come first: Node 20 lacks Promise.withResolvers.
// The definition is copied with JSON, not structuredClone: under jest, structuredClone makes
// objects of another realm, which the interpreter does not treat as plain objects, so nested
// Parameters templates would silently stay unresolved.
import '../../state-machines/promise-with-resolvers';
import { MemoryPayloadStore, payloadRef } from '../../framework/stores';
import { ContainerEnv, PayloadKey, StateName, createDecisionRecorder, type AslDefinition, type StoredDecision } from '../../state-machines';

// The package is "type": "module" with a CommonJS build: TypeScript (module Node16) only lets a
// CommonJS file use its types with resolution-mode "import"; require() loads build/main.node.cjs.
type LocalStepFunctions = typeof import('aws-local-stepfunctions', { with: { 'resolution-mode': 'import' } });
export const { StateMachine, ExecutionError } = require('aws-local-stepfunctions') as LocalStepFunctions;
type StateMachineDefinition = ConstructorParameters<LocalStepFunctions['StateMachine']>[0];

export const EXECUTION_ARN = 'arn:aws:states:us-east-1:123456789012:execution:research:run-1';

/** What a container turn sees: its environment overrides, decoded. */
export interface TurnEnvironment {
  readonly env: Record<string, string>;
  readonly containerName: string;
  readonly parameters: Record<string, unknown>;
}

export type RunAgentFake = (turn: TurnEnvironment, attempt: number) => unknown;
export type RequestApprovalFake = (input: { FunctionName: string; Payload: Record<string, unknown> }) => unknown;

interface ContainerOverride {
  Name: string;
  Environment: { Name: string; Value: string }[];
}

/** An event of the interpreter's log, loosely typed for assertions. */
export interface LoggedEvent {
  readonly type: string;
  readonly state?: { name: string };
  readonly [field: string]: unknown;
}

export interface LocalRun {
  readonly result: Promise<unknown>;
  readonly events: LoggedEvent[];
  readonly turns: TurnEnvironment[];
  readonly approvalInputs: { FunctionName: string; Payload: Record<string, unknown> }[];
  /** What each RecordDecision state sent to the decision function. */
  readonly decisionInputs: { FunctionName: string; Payload: Record<string, unknown> }[];
  /** The decisions the (real) decision recorder stored, as the container reads them. */
  readonly payloads: MemoryPayloadStore;
  readonly tokens: string[];
  /** Settles once the event log has ended, so `events` is complete. */
  readonly eventsDone: Promise<void>;
}

export function runLocally(
  definition: AslDefinition,
  input: unknown,
  fakes: { runAgent: RunAgentFake; requestApproval?: RequestApprovalFake },
  options: { withTaskToken?: boolean } = {},
): LocalRun {
  const machine = new StateMachine(JSON.parse(JSON.stringify(definition)) as StateMachineDefinition);
  const tokens: string[] = [];
  const turns: TurnEnvironment[] = [];
  const approvalInputs: LocalRun['approvalInputs'] = [];
  const decisionInputs: LocalRun['decisionInputs'] = [];
  const payloads = new MemoryPayloadStore();
  const recordDecision = createDecisionRecorder({ payloads, now: () => Date.UTC(2025, 0, 1) });
  const task = {
    get Token(): string {
      const token = `token-${tokens.length + 1}`;
      tokens.push(token);
      return token;
    },
  };
  const context = { Execution: { Id: EXECUTION_ARN, Name: 'run-1' }, ...(options.withTaskToken === false ? {} : { Task: task }) };
  const execution = machine.run(input as never, {
    context,
    overrides: {
      taskResourceLocalHandlers: {
        [StateName.RunAgent]: async (parameters) => {
          const record = parameters as Record<string, unknown> & { Overrides: { ContainerOverrides: ContainerOverride[] } };
          const [override] = record.Overrides.ContainerOverrides;
          const env = Object.fromEntries(override.Environment.map((variable) => [variable.Name, variable.Value]));
          const turn = { env, containerName: override.Name, parameters: record };
          turns.push(turn);
          return (await fakes.runAgent(turn, turns.length)) as never;
        },
        [StateName.RequestApproval]: async (parameters) => {
          const request = parameters as unknown as { FunctionName: string; Payload: Record<string, unknown> };
          approvalInputs.push(request);
          if (!fakes.requestApproval) throw new Error('this run expected no approvals');
          return (await fakes.requestApproval(request)) as never;
        },
        [StateName.RecordDecision]: async (parameters) => {
          const request = parameters as unknown as { FunctionName: string; Payload: Record<string, unknown> };
          decisionInputs.push(request);
          return { StatusCode: 200, Payload: await recordDecision(request.Payload) } as never;
        },
      },
      retryIntervalOverrides: { [StateName.RunAgent]: 0, [StateName.RequestApproval]: 0, [StateName.RecordDecision]: 0 },
    },
  });
  const events: LoggedEvent[] = [];
  const eventsDone = (async () => {
    for await (const event of execution.eventLogs) events.push(event as unknown as LoggedEvent);
  })();
  return { result: execution.result, events, turns, approvalInputs, decisionInputs, payloads, tokens, eventsDone };
}

/** How the local engine fails a task for SendTaskFailure / a missed heartbeat: name = Error, message = Cause. */
export function taskFailure(error: string, cause: string): Error {
  const failure = new Error(cause);
  failure.name = error;
  return failure;
}

/** The decision the workflow recorded for an approval, where the container looks it up. */
export async function decisionOf(run: LocalRun, approvalId: string): Promise<StoredDecision> {
  return (await run.payloads.get(payloadRef(PayloadKey.decision(approvalId)))) as StoredDecision;
}

/** The turn number a RunAgent turn was given. */
export const turnNumberOf = (turn: TurnEnvironment): number => Number(turn.env[ContainerEnv.Turn]);
