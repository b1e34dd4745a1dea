import { ConfigDefinitionError } from '../../framework/errors';
import {
  buildAgentDefinition,
  DYNAMIC_CONTAINER_ENV,
  ErrorName,
  MAX_TASK_TIMEOUT_SECONDS,
  StateName,
  type AgentDefinitionOptions,
  type AslDefinition,
  type AslState,
} from '../../state-machines';

// asl-validator ships no types, and it mutates the definition it checks: give it a copy.
const aslValidator = require('asl-validator') as (
  definition: unknown,
  options?: { checkArn?: boolean; checkPaths?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };

function validate(definition: AslDefinition): string {
  const result = aslValidator(JSON.parse(JSON.stringify(definition)), { checkArn: true, checkPaths: true });
  return result.isValid ? 'valid' : result.errorsText('\n');
}

const baseOptions: AgentDefinitionOptions = {
  agentName: 'research',
  approvalTimeoutSeconds: 86_400,
  resources: {
    cluster: 'stepwise',
    taskDefinition: 'stepwise-agent',
    subnets: ['subnet-1', 'subnet-2'],
    securityGroups: ['sg-1'],
    approvalFunction: 'stepwise-approval',
    decisionFunction: 'stepwise-decision',
  },
};

function withOptions(overrides: Partial<AgentDefinitionOptions>, resources: Partial<AgentDefinitionOptions['resources']> = {}): AgentDefinitionOptions {
  return { ...baseOptions, ...overrides, resources: { ...baseOptions.resources, ...resources } };
}

function allTaskStates(states: Readonly<Record<string, AslState>>): [string, AslState][] {
  return Object.entries(states).flatMap(([name, state]) => {
    const nested = state.ItemProcessor as { States: Record<string, AslState> } | undefined;
    const own: [string, AslState][] = state.Type === 'Task' ? [[name, state]] : [];
    return nested ? [...own, ...allTaskStates(nested.States)] : own;
  });
}

const runAgent = (definition: AslDefinition) => definition.States[StateName.RunAgent] as AslState & Record<string, any>;

describe('buildAgentDefinition', () => {
  it.each([
    ['the defaults', withOptions({})],
    ['every option set', withOptions({ heartbeatSeconds: 30, runTimeoutSeconds: 7_200, maxContainerAttempts: 5 }, { containerName: 'worker', assignPublicIp: true, launchType: 'FARGATE' })],
    ['no security groups and a single attempt', withOptions({ maxContainerAttempts: 1 }, { securityGroups: [] })],
    ['the longest timeouts', withOptions({ approvalTimeoutSeconds: MAX_TASK_TIMEOUT_SECONDS, runTimeoutSeconds: MAX_TASK_TIMEOUT_SECONDS })],
  ])('produces a definition asl-validator accepts with %s', (_label, options) => {
    // Act
    const definition = buildAgentDefinition(options);

    // Assess
    expect(validate(definition)).toBe('valid');
  });

  it('puts CDK tokens into the definition unchanged', () => {
    // Prepare
    const token = (id: number) => `\${Token[TOKEN.${id}]}`;

    // Act
    const definition = buildAgentDefinition(
      withOptions({}, { cluster: token(1), taskDefinition: token(2), subnets: [token(3)], securityGroups: [token(4)], approvalFunction: token(5), decisionFunction: token(6) }),
    );

    // Assess
    const parameters = runAgent(definition).Parameters;
    expect(parameters).toMatchObject({
      Cluster: token(1),
      TaskDefinition: token(2),
      NetworkConfiguration: { AwsvpcConfiguration: { Subnets: [token(3)], SecurityGroups: [token(4)], AssignPublicIp: 'DISABLED' } },
    });
    expect(JSON.stringify(definition)).toContain(`"FunctionName":"${token(5)}"`);
    expect(JSON.stringify(definition)).toContain(`"FunctionName":"${token(6)}"`);
  });

  it('passes only bounded values to the agent container: token, execution, agent and turn number', () => {
    // Act
    const definition = buildAgentDefinition(baseOptions);

    // Assess
    const [override] = runAgent(definition).Parameters.Overrides.ContainerOverrides;
    expect(override.Name).toBe('agent');
    expect(override.Environment).toEqual([
      { Name: 'STEPWISE_TASK_TOKEN', 'Value.$': '$$.Task.Token' },
      { Name: 'STEPWISE_EXECUTION_ARN', 'Value.$': '$$.Execution.Id' },
      { Name: 'STEPWISE_AGENT', Value: 'research' },
      { Name: 'STEPWISE_TURN', 'Value.$': 'States.JsonToString($.turnNumber)' },
    ]);
    expect(override.Environment.map((variable: { Name: string }) => variable.Name)).toEqual([...DYNAMIC_CONTAINER_ENV]);
    // The longest possible overrides (a 2,048-character token, a 64-character agent name, a long
    // execution ARN, a large turn number) stay far below ECS's 8,192 characters.
    const longest = JSON.stringify({
      ContainerOverrides: [{ Name: 'agent', Environment: [
        { Name: 'STEPWISE_TASK_TOKEN', Value: 't'.repeat(2_048) },
        { Name: 'STEPWISE_EXECUTION_ARN', Value: `arn:aws:states:ap-southeast-2:123456789012:execution:${'s'.repeat(80)}:${'e'.repeat(80)}` },
        { Name: 'STEPWISE_AGENT', Value: 'a'.repeat(64) },
        { Name: 'STEPWISE_TURN', Value: '1000000' },
      ] }],
    });
    expect(longest.length).toBeLessThan(2_700);
  });

  it('keeps the execution input out of the workflow state and counts turns', () => {
    // Act
    const definition = buildAgentDefinition(baseOptions);

    // Assess
    expect(definition.States[StateName.Initialize]).toMatchObject({ Type: 'Pass', Parameters: { turnNumber: 1 }, Next: StateName.RunAgent });
    expect(definition.States[StateName.RequestApprovals]).toMatchObject({ Next: StateName.NextTurn, ResultPath: '$.decisions' });
    expect(definition.States[StateName.NextTurn]).toMatchObject({ Parameters: { 'turnNumber.$': 'States.MathAdd($.turnNumber, 1)' }, Next: StateName.RunAgent });
    expect(definition.States[StateName.ShapeResult]).toMatchObject({ Parameters: expect.objectContaining({ 'resultRef.$': '$.turn.resultRef' }) });
  });

  it('records every decision, answered, rejected or timed out, with the decision function', () => {
    // Act
    const definition = buildAgentDefinition(baseOptions);

    // Assess
    const processor = (definition.States[StateName.RequestApprovals] as AslState & { ItemProcessor: { States: Record<string, AslState & Record<string, any>> } }).ItemProcessor.States;
    expect(processor[StateName.RequestApproval]).toMatchObject({ Next: StateName.RecordDecision, ResultPath: '$.answer', ResultSelector: { 'response.$': '$' } });
    expect(processor[StateName.ApprovalTimedOut].Next).toBe(StateName.RecordDecision);
    expect(processor[StateName.ApprovalRejected].Next).toBe(StateName.RecordDecision);
    expect(processor[StateName.RecordDecision]).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'stepwise-decision', Payload: { 'approval.$': '$.approval', 'answer.$': '$.answer', agent: 'research', 'executionArn.$': '$$.Execution.Id' } },
      End: true,
    });
  });

  it('gives every Task an explicit timeout the local interpreter can wait for', () => {
    // Act
    const definition = buildAgentDefinition(baseOptions);

    // Assess
    const tasks = allTaskStates(definition.States);
    expect(tasks.map(([name]) => name)).toEqual([StateName.RunAgent, StateName.RequestApproval, StateName.RecordDecision]);
    for (const [, state] of tasks) {
      expect(state.TimeoutSeconds).toEqual(expect.any(Number));
      expect(state.TimeoutSeconds as number).toBeLessThanOrEqual(MAX_TASK_TIMEOUT_SECONDS);
    }
    expect(runAgent(definition)).toMatchObject({ HeartbeatSeconds: 60, TimeoutSeconds: 3_600 });
  });

  it('never retries a container that reported invalid input', () => {
    // Act
    const definition = buildAgentDefinition(baseOptions);

    // Assess: Step Functions uses the first retrier whose ErrorEquals matches.
    const retriers = runAgent(definition).Retry as { ErrorEquals: string[]; MaxAttempts: number }[];
    const first = retriers.find((retrier) => retrier.ErrorEquals.includes(ErrorName.InvalidInput) || retrier.ErrorEquals.includes('States.TaskFailed'));
    expect(first).toMatchObject({ MaxAttempts: 0 });
    expect(first?.ErrorEquals).toContain(ErrorName.InvalidInput);
    expect(first?.ErrorEquals).toContain(ErrorName.CheckpointMissing);
    // A container that handed its turn back (SIGTERM, a tool call whose outcome is unknown) is run again soon.
    expect(retriers[1]).toMatchObject({ ErrorEquals: [ErrorName.ContainerStopped, ErrorName.ToolOutcomeUnknown], IntervalSeconds: 1, MaxAttempts: 2 });
    expect(retriers.at(-1)).toMatchObject({ MaxAttempts: 2, ErrorEquals: expect.arrayContaining(['States.HeartbeatTimeout', 'States.TaskFailed', ErrorName.InternalError, ErrorName.EventLogUnavailable, 'ECS.AmazonECSException']) });
  });

  it('is plain JSON', () => {
    // Act
    const definition = buildAgentDefinition(baseOptions);

    // Assess
    expect(JSON.parse(JSON.stringify(definition))).toEqual(definition);
  });

  it.each([
    ['agentName', withOptions({ agentName: 'has spaces' })],
    ['agentName', withOptions({ agentName: '' })],
    ['approvalTimeoutSeconds', withOptions({ approvalTimeoutSeconds: 0 })],
    ['approvalTimeoutSeconds', withOptions({ approvalTimeoutSeconds: MAX_TASK_TIMEOUT_SECONDS + 1 })],
    ['approvalTimeoutSeconds', withOptions({ approvalTimeoutSeconds: 1.5 })],
    ['runTimeoutSeconds', withOptions({ runTimeoutSeconds: 3_000_000 })],
    ['heartbeatSeconds', withOptions({ heartbeatSeconds: 0 })],
    ['heartbeatSeconds', withOptions({ heartbeatSeconds: 600, runTimeoutSeconds: 600 })],
    ['maxContainerAttempts', withOptions({ maxContainerAttempts: 0 })],
    ['resources.cluster', withOptions({}, { cluster: ' ' })],
    ['resources.taskDefinition', withOptions({}, { taskDefinition: undefined as unknown as string })],
    ['resources.approvalFunction', withOptions({}, { approvalFunction: '' })],
    ['resources.decisionFunction', withOptions({}, { decisionFunction: undefined as unknown as string })],
    ['resources.subnets', withOptions({}, { subnets: [] })],
    ['resources.subnets[1]', withOptions({}, { subnets: ['subnet-1', ''] })],
    ['resources.securityGroups', withOptions({}, { securityGroups: 'sg-1' as unknown as string[] })],
    ['resources.containerName', withOptions({}, { containerName: '' })],
    ['resources.launchType', withOptions({}, { launchType: 'EC2' as 'FARGATE' })],
  ])('rejects a bad %s with a ConfigDefinitionError naming it', (field, options) => {
    // Act
    const build = () => buildAgentDefinition(options);

    // Assess
    expect(build).toThrow(ConfigDefinitionError);
    expect(build).toThrow(field);
    try {
      build();
    } catch (error) {
      expect((error as ConfigDefinitionError).field).toBe(field);
    }
  });
});
