import type { StepFunctionsApi } from '../framework/aws/step-functions-api';

/**
 * Sends SendTaskHeartbeat every `intervalSeconds` until stopped. When Step Functions answers that
 * the task is gone (timed out, or the execution stopped), `onLost` is called so the container can
 * stop working on a turn nobody waits for.
 */
export function startHeartbeat(client: StepFunctionsApi, taskToken: string, intervalSeconds: number, onLost: (error: Error) => void): () => void {
  let stopped = false;
  const beat = async (): Promise<void> => {
    try {
      await client.sendTaskHeartbeat(taskToken);
    } catch (error) {
      const name = (error as Error).name;
      if (!stopped && (name === 'TaskTimedOut' || name === 'TaskDoesNotExist' || name === 'InvalidToken')) onLost(error as Error);
      // Other failures (a network blip) are retried by the next beat.
    }
  };
  const timer = setInterval(() => void beat(), Math.max(100, intervalSeconds * 1000));
  timer.unref();
  void beat();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
