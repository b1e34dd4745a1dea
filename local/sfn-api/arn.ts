import { LocalAws, SfnErrorCode } from '../constants';
import { sfnError } from '../errors';

/** `arn:aws:states:<region>:000000000000:stateMachine:<name>` */
export const stateMachineArn = (name: string, region: string = LocalAws.region): string =>
  `arn:aws:states:${region}:${LocalAws.accountId}:stateMachine:${name}`;

/** `arn:aws:states:<region>:000000000000:execution:<machine>:<name>` */
export const executionArn = (machine: string, name: string, region: string = LocalAws.region): string =>
  `arn:aws:states:${region}:${LocalAws.accountId}:execution:${machine}:${name}`;

/** The state machine name of a state machine ARN; throws `InvalidArn` for anything else. */
export function parseStateMachineArn(arn: unknown): string {
  const parts = typeof arn === 'string' ? arn.split(':') : [];
  if (parts.length !== 7 || parts[0] !== 'arn' || parts[2] !== 'states' || parts[5] !== 'stateMachine' || !parts[6]) {
    throw sfnError(SfnErrorCode.InvalidArn, `Invalid Arn: 'Resource type not valid in this context: ${String(arn)}'`);
  }
  return parts[6];
}

/** The machine and execution name of an execution ARN; throws `InvalidArn` for anything else. */
export function parseExecutionArn(arn: unknown): { machine: string; name: string } {
  const parts = typeof arn === 'string' ? arn.split(':') : [];
  if (parts.length !== 8 || parts[0] !== 'arn' || parts[2] !== 'states' || parts[5] !== 'execution' || !parts[6] || !parts[7]) {
    throw sfnError(SfnErrorCode.InvalidArn, `Invalid Arn: 'Resource type not valid in this context: ${String(arn)}'`);
  }
  return { machine: parts[6], name: parts[7] };
}

/** AWS execution and state machine names: 1–80 characters, none of whitespace, brackets, wildcards or `:/`. */
export function isValidName(name: string): boolean {
  return name.length >= 1 && name.length <= 80 && !/[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/.test(name);
}
