import type { ContainerSize } from '../cost';
import type { RunStateData } from '../run-state';

/** What the workflow itself spends on an execution: its state transitions, and the Lambda it invokes on its own. */
export interface WorkflowUsage {
  readonly stateTransitions: number;
  readonly lambdaRequests: number;
  readonly lambdaGbSeconds: number;
}

/**
 * Where a run executes, for its cost: the agent container passes one (its size and start time,
 * and how its workflow counts); a run in process has none and costs only its tokens.
 */
export interface RunPlatform {
  /** The container this turn runs in, and when it started (epoch ms). */
  readonly container?: ContainerSize & { readonly startedAt: number };
  /**
   * The workflow's usage for the execution so far, from the state: its status tells how the
   * current turn ends (the transitions it leads to are counted), its ledger which approvals ran.
   */
  workflowUsage?(state: Readonly<RunStateData>): WorkflowUsage;
}
