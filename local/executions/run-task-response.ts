import { randomBytes, randomUUID } from 'node:crypto';
import { LocalAws } from '../constants';
import type { Json } from './types';

const ECS_ARN_PREFIX = `arn:aws:ecs:${LocalAws.region}:${LocalAws.accountId}`;

/** `name`, `family`, `family:rev` or a full ARN, as RunTask accepts them, to the ARN ECS answers with. */
function clusterArn(cluster: unknown): string {
  const text = typeof cluster === 'string' && cluster !== '' ? cluster : 'default';
  return text.startsWith('arn:') ? text : `${ECS_ARN_PREFIX}:cluster/${text}`;
}

function taskDefinitionArn(taskDefinition: unknown): { arn: string; family: string } {
  const text = typeof taskDefinition === 'string' && taskDefinition !== '' ? taskDefinition : 'task';
  const arn = text.startsWith('arn:') ? text : `${ECS_ARN_PREFIX}:task-definition/${text.includes(':') ? text : `${text}:1`}`;
  const family = arn.slice(arn.lastIndexOf('/') + 1).split(':')[0];
  return { arn, family };
}

/**
 * What ECS RunTask answers for one task, in the shape Step Functions records as the output of
 * `TaskSubmitted`: the task's ARN and status, its cluster and task definition, its (pre-created)
 * network interface and the overrides it got — tokens included, exactly as AWS echoes them.
 */
export function runTaskResponse(parameters: Json, now: number = Date.now()): Json {
  const request = (parameters ?? {}) as Record<string, Json>;
  const cluster = clusterArn(request.Cluster);
  const clusterName = cluster.slice(cluster.lastIndexOf('/') + 1);
  const taskId = randomBytes(16).toString('hex');
  const taskArn = `${ECS_ARN_PREFIX}:task/${clusterName}/${taskId}`;
  const definition = taskDefinitionArn(request.TaskDefinition);
  const subnets = ((request.NetworkConfiguration as { AwsvpcConfiguration?: { Subnets?: Json[] } } | undefined)?.AwsvpcConfiguration?.Subnets ?? []) as Json[];
  const overrides = (request.Overrides ?? {}) as { ContainerOverrides?: { Name?: Json }[] };
  const containers = (overrides.ContainerOverrides ?? []).map((container) => ({
    ContainerArn: `${ECS_ARN_PREFIX}:container/${clusterName}/${taskId}/${randomUUID()}`,
    TaskArn: taskArn,
    Name: container.Name ?? 'agent',
    LastStatus: 'PENDING',
    NetworkInterfaces: [],
    Cpu: '0',
  }));
  return {
    Failures: [],
    Tasks: [
      {
        Attachments: [{ Id: randomUUID(), Type: 'ElasticNetworkInterface', Status: 'PRECREATED', Details: [{ Name: 'subnetId', Value: subnets[0] ?? 'local' }] }],
        Attributes: [{ Name: 'ecs.cpu-architecture', Value: 'x86_64' }],
        AvailabilityZone: `${LocalAws.region}a`,
        ClusterArn: cluster,
        Containers: containers,
        CreatedAt: now,
        DesiredStatus: 'RUNNING',
        EnableExecuteCommand: false,
        Group: `family:${definition.family}`,
        LastStatus: 'PROVISIONING',
        LaunchType: (request.LaunchType as string | undefined) ?? 'FARGATE',
        Overrides: { ...overrides, InferenceAcceleratorOverrides: [] } as Json,
        PlatformFamily: 'Linux',
        PlatformVersion: '1.4.0',
        Tags: [],
        TaskArn: taskArn,
        TaskDefinitionArn: definition.arn,
        Version: 1,
      },
    ],
  };
}
