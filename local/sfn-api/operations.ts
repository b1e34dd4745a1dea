import { AwsLimits, utf8Bytes } from '../../framework/limits';
import { ExecutionStatus, SfnErrorCode } from '../constants';
import { sfnError } from '../errors';
import type { ExecutionManager } from '../executions/execution-manager';
import type { HistoryEvent } from '../executions/history-event';
import type { ExecutionRecord, Json } from '../executions/types';
import { paginate } from './pagination';

/** A Step Functions API operation: the parsed JSON request in, the JSON response out. */
export type SfnOperation = (request: Record<string, unknown>) => Promise<unknown> | unknown;

const seconds = (epochMs: number | undefined): number | undefined => (epochMs === undefined ? undefined : epochMs / 1000);

const ROLE_ARN = 'arn:aws:iam::000000000000:role/stepwise-local';

function describeExecution(execution: ExecutionRecord) {
  return {
    executionArn: execution.executionArn,
    stateMachineArn: execution.stateMachineArn,
    name: execution.name,
    status: execution.status,
    startDate: seconds(execution.startDate),
    stopDate: seconds(execution.stopDate),
    input: execution.input,
    inputDetails: { included: true },
    ...(execution.output !== undefined ? { output: execution.output, outputDetails: { included: true } } : {}),
    error: execution.error,
    cause: execution.cause,
    redriveCount: execution.redriveCount,
    redriveDate: seconds(execution.redriveDate),
    redriveStatus: execution.redriveStatus,
    redriveStatusReason: execution.redriveStatusReason,
  };
}

function listItem(execution: ExecutionRecord) {
  return {
    executionArn: execution.executionArn,
    stateMachineArn: execution.stateMachineArn,
    name: execution.name,
    status: execution.status,
    startDate: seconds(execution.startDate),
    stopDate: seconds(execution.stopDate),
    redriveCount: execution.redriveCount,
    redriveDate: seconds(execution.redriveDate),
  };
}

const servedEvent = (event: HistoryEvent) => ({ ...event, timestamp: event.timestamp / 1000 });

/** AWS's answer to a field over its length constraint (checked before anything else). */
function requireAtMost(request: Record<string, unknown>, field: string, limit: number, measure: (text: string) => number = (text) => text.length): void {
  const value = request[field];
  if (typeof value === 'string' && measure(value) > limit) {
    throw sfnError(SfnErrorCode.ValidationException, `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${limit}`);
  }
}

function requireString(request: Record<string, unknown>, field: string): string {
  const value = request[field];
  if (typeof value !== 'string' || value === '') throw sfnError(SfnErrorCode.ValidationException, `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must not be null`);
  return value;
}

/** The Step Functions operations the engine serves, by name. */
export function sfnOperations(manager: ExecutionManager): Record<string, SfnOperation> {
  return {
    ListStateMachines: (request) => {
      const machines = manager.stateMachines().map((machine) => ({
        stateMachineArn: machine.arn,
        name: machine.name,
        type: 'STANDARD',
        creationDate: seconds(machine.creationDate),
      }));
      const { page, nextToken } = paginate(machines, request.maxResults, request.nextToken);
      return { stateMachines: page, nextToken };
    },
    DescribeStateMachine: (request) => {
      const machine = manager.stateMachine(request.stateMachineArn);
      return {
        stateMachineArn: machine.arn,
        name: machine.name,
        status: 'ACTIVE',
        definition: JSON.stringify(machine.definition),
        roleArn: ROLE_ARN,
        type: 'STANDARD',
        creationDate: seconds(machine.creationDate),
      };
    },
    StartExecution: (request) => {
      // Step Functions counts a payload's UTF-8 bytes against its 262,144 limit.
      requireAtMost(request, 'input', AwsLimits.payloadBytes, utf8Bytes);
      const execution = manager.start(request);
      return { executionArn: execution.executionArn, startDate: seconds(execution.startDate) };
    },
    DescribeExecution: (request) => describeExecution(manager.get(request.executionArn).execution),
    ListExecutions: (request) => {
      const filter = request.statusFilter;
      if (filter !== undefined && !Object.values(ExecutionStatus).includes(filter as ExecutionStatus)) {
        throw sfnError(SfnErrorCode.ValidationException, `Value '${String(filter)}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${Object.values(ExecutionStatus).join(', ')}]`);
      }
      const executions = manager.list(request.stateMachineArn).filter((execution) => filter === undefined || execution.status === filter);
      const { page, nextToken } = paginate(executions.map(listItem), request.maxResults, request.nextToken);
      return { executions: page, nextToken };
    },
    GetExecutionHistory: (request) => {
      const events = [...manager.get(request.executionArn).history.all()];
      if (request.reverseOrder === true) events.reverse();
      const { page, nextToken } = paginate(events.map(servedEvent), request.maxResults, request.nextToken);
      return { events: page, nextToken };
    },
    StopExecution: async (request) => {
      const execution = await manager.stop(
        request.executionArn,
        typeof request.error === 'string' ? request.error : undefined,
        typeof request.cause === 'string' ? request.cause : undefined,
      );
      return { stopDate: seconds(execution.stopDate ?? Date.now()) };
    },
    RedriveExecution: (request) => {
      const execution = manager.redrive(request.executionArn);
      return { redriveDate: seconds(execution.redriveDate) };
    },
    SendTaskSuccess: (request) => {
      requireAtMost(request, 'output', AwsLimits.payloadBytes, utf8Bytes);
      const output = requireString(request, 'output');
      let parsed: Json;
      try {
        parsed = JSON.parse(output) as Json;
      } catch {
        throw sfnError(SfnErrorCode.InvalidOutput, `Invalid Output: '${output.slice(0, 100)}' is not JSON`);
      }
      manager.tokens.succeed(request.taskToken, parsed);
      return {};
    },
    SendTaskFailure: (request) => {
      requireAtMost(request, 'error', AwsLimits.taskErrorChars);
      requireAtMost(request, 'cause', AwsLimits.taskCauseChars);
      manager.tokens.fail(
        request.taskToken,
        typeof request.error === 'string' ? request.error : '',
        typeof request.cause === 'string' ? request.cause : '',
      );
      return {};
    },
    SendTaskHeartbeat: (request) => {
      manager.tokens.heartbeat(request.taskToken);
      return {};
    },
  };
}
