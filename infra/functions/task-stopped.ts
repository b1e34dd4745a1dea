import { SFNClient } from '@aws-sdk/client-sfn';
import { createStoppedTaskReporter } from './fail-stopped-task';

/** AWS Lambda entry point of the "ECS Task State Change" rule: fails the RunAgent task of a stopped agent task. */
export const handler = createStoppedTaskReporter({ sfn: new SFNClient({}) });
