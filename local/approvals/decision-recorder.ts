import type { PayloadStore } from '../../framework/stores';
import { createDecisionRecorder } from '../../state-machines';
import type { LambdaHandler } from '../lambda-api/lambda-registry';

/**
 * The local function behind every `RecordDecision` state: the same `createDecisionRecorder` the
 * AWS function runs, writing to the engine's file payload store, where the containers read it.
 * Its errors carry the Stepwise error name, as a Lambda function's errorType would.
 *
 * @example
 * const engine = await startEngine({ ..., lambdaHandlers: { [LocalDefaults.decisionRecorderFunctionName]: decisionRecorderFunction(stores.payloads) } });
 */
export function decisionRecorderFunction(payloads: PayloadStore): LambdaHandler {
  const record = createDecisionRecorder({ payloads });
  return async (event) => {
    try {
      return await record(event);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw Object.assign(new Error((error as Error).message), { name: typeof code === 'string' ? code : (error as Error).name });
    }
  };
}
