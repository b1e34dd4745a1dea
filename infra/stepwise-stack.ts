import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ConfigDefinitionError } from '../framework';
import { AgentPlatform, type AgentPlatformProps } from './agent-platform';
import { StackOutput, stateMachineOutputName } from './constants';

/** What `StepwiseStack` takes: the stack's own props and the platform's. */
export interface StepwiseStackProps extends StackProps {
  readonly platform: AgentPlatformProps;
}

/**
 * A stack holding one `AgentPlatform`, with the outputs the CLI reads to find it: the state
 * machine of each agent, the approval API, the topic, the tables and the bucket.
 *
 * @example
 * new StepwiseStack(app, 'Stepwise', { platform: { agents: config.agents } });
 */
export class StepwiseStack extends Stack {
  readonly platform: AgentPlatform;

  constructor(scope: Construct, id: string, props: StepwiseStackProps) {
    super(scope, id, props);
    this.platform = new AgentPlatform(this, 'Platform', props.platform);
    const platform = this.platform;

    const outputNames = new Map<string, string>();
    for (const [agent, stateMachine] of Object.entries(platform.stateMachines)) {
      const name = stateMachineOutputName(agent);
      const clash = outputNames.get(name);
      if (clash !== undefined) {
        throw new ConfigDefinitionError(`Agents "${clash}" and "${agent}" would share the stack output ${name}: rename one of them`, { field: 'agents' });
      }
      outputNames.set(name, agent);
      new CfnOutput(this, name, { value: stateMachine.stateMachineArn, description: `State machine of agent "${agent}"` });
    }
    new CfnOutput(this, StackOutput.Agents, {
      value: this.toJsonString(Object.fromEntries(Object.entries(platform.stateMachines).map(([agent, machine]) => [agent, machine.stateMachineArn]))),
      description: 'JSON object of agent name → state machine ARN (read by the stepwise CLI)',
    });
    new CfnOutput(this, StackOutput.ApprovalApiUrl, { value: platform.approvalApi.url, description: 'Approval HTTP API (IAM/SigV4 authorization)' });
    new CfnOutput(this, StackOutput.ApprovalTopicArn, { value: platform.approvalTopic.topicArn, description: 'SNS topic of approval requests: subscribe to be told' });
    new CfnOutput(this, StackOutput.RunStateTableName, { value: platform.runStateTable.tableName });
    new CfnOutput(this, StackOutput.EventsTableName, { value: platform.eventsTable.tableName });
    new CfnOutput(this, StackOutput.ApprovalsTableName, { value: platform.approvalsTable.tableName });
    new CfnOutput(this, StackOutput.PayloadBucketName, { value: platform.payloadBucket.bucketName });
    new CfnOutput(this, StackOutput.EventsUrl, {
      value: platform.eventsEndpoint.functionUrl.url,
      description: 'Live progress: GET <url>executions/{executionArn}/events, Server-Sent Events, IAM (SigV4, service lambda) authorization (read by the stepwise CLI)',
    });
    if (platform.apiKeySecret) {
      new CfnOutput(this, StackOutput.ApiKeySecretArn, { value: platform.apiKeySecret.secretArn, description: 'The secret holding the model API key (OPENAI_API_KEY): put your key here' });
    }
  }
}
