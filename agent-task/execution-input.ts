import { ConfigDefinitionError, InvalidInputError } from '../framework';
import type { StepFunctionsApi } from '../framework/aws/step-functions-api';
import { parseExecutionInput, type ExecutionInput } from '../state-machines';

/**
 * The execution input, read from Step Functions (DescribeExecution on the container's own
 * execution). Passing it through the ECS overrides would cap it at 8,192 characters; reading it
 * back allows everything StartExecution accepted (262,144 bytes).
 *
 * @throws InvalidInputError when the input is not a valid agent input; ConfigDefinitionError when
 *   the task role may not describe its execution.
 */
export async function readExecutionInput(sfn: StepFunctionsApi, executionArn: string): Promise<ExecutionInput> {
  let input: string | undefined;
  try {
    ({ input } = await sfn.describeExecution(executionArn));
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'AccessDeniedException') {
      throw new ConfigDefinitionError(`The agent container may not read its execution (${(error as Error).message}): its task role needs states:DescribeExecution on its own executions.`, {
        field: 'taskRole',
        cause: error,
      });
    }
    throw error;
  }
  if (input === undefined) throw new InvalidInputError(`DescribeExecution returned no input for ${executionArn}`, { field: 'input' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch (error) {
    throw new InvalidInputError(`The execution input is not JSON: ${(error as Error).message}`, { field: 'input', cause: error });
  }
  return parseExecutionInput(parsed);
}
