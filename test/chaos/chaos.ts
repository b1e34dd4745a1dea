import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeExecutionCommand,
  RedriveExecutionCommand,
  SFNClient,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { killEngine, liveContainers, startEngineProcess, stopEngine, type EngineProcess } from './engine-process';
import { seededRandom } from '../helpers/seeded-random';

/**
 * The chaos suite: N executions of an agent that looks a topic up, asks for approval, then runs a
 * side effect that takes a moment (`careful` in test/fixtures/e2e-ledger.config.ts), while a
 * seeded random driver SIGKILLs their containers, SIGKILLs and restarts the engine (`stepwise dev`
 * in its own process), races approve against reject on the same task token, and damages store
 * files while the engine is down. It acts as an operator would (redrives what the restart stopped,
 * moves a damaged file's copy back), and at the end checks what a user relies on: every execution
 * SUCCEEDED with the answer its decision calls for, no side effect ran twice (or ran after a
 * rejection), no answered approval was asked again or lost, an approval token took exactly one
 * answer, and an engine never served a damaged store. Loopback only; bounded in count and time.
 */

const repositoryRoot = path.resolve(__dirname, '..', '..');
const CONFIG = path.join(repositoryRoot, 'test', 'fixtures', 'e2e-ledger.config.ts');
const AGENT = 'careful';
const STATE_MACHINE_ARN = `arn:aws:states:us-east-1:000000000000:stateMachine:${AGENT}`;
const REJECTION = 'chaos says no';
/** Kills of one execution's containers at most: the workflow retries a turn twice (three attempts), and a run that exhausts them fails by design. */
const MAX_CONTAINER_KILLS_PER_EXECUTION = 2;
/** Redrives of one execution at most before it counts as stuck. */
const MAX_REDRIVES = 6;

/** What `runChaos` takes. */
export interface ChaosOptions {
  /** Executions to run. */
  readonly runs: number;
  /** Seed of every random choice; print it, pass it again to replay the same choices. */
  readonly seed: number;
  /** Executions in flight at once. @default 3 */
  readonly parallel?: number;
  /** Engine SIGKILLs at most. @default max(2, runs / 4) */
  readonly maxEngineKills?: number;
  /** The whole run's bound; executions not finished by then are reported stuck. @default 10 minutes */
  readonly timeLimitMs?: number;
  /** Progress lines. @default none */
  readonly log?: (line: string) => void;
}

/** What happened, and what broke. */
export interface ChaosReport {
  readonly seed: number;
  readonly runs: number;
  readonly elapsedMs: number;
  readonly counts: Record<string, number>;
  /** Every broken promise, with the execution it concerns; empty when the system held. */
  readonly violations: string[];
}

type Decision = 'approve' | 'reject';

interface Tracked {
  readonly index: number;
  readonly task: string;
  executionArn?: string;
  decision?: Decision;
  readonly answered: Set<string>;
  containerKills: number;
  redrives: number;
  final?: DescribeExecutionCommandOutput;
}


const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

/**
 * Runs the chaos suite in a fresh temporary project and returns its counts and violations.
 *
 * @example
 * const report = await runChaos({ runs: 20, seed: 42, log: console.log });
 * if (report.violations.length > 0) process.exitCode = 1;
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const random = seededRandom(options.seed);
  const chance = (p: number) => random() < p;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const log = options.log ?? (() => undefined);
  const parallel = options.parallel ?? 3;
  const maxEngineKills = options.maxEngineKills ?? Math.max(2, Math.ceil(options.runs / 4));
  const deadline = Date.now() + (options.timeLimitMs ?? 10 * 60_000);
  const startedAt = Date.now();
  const project = mkdtempSync(path.join(tmpdir(), 'stepwise-chaos-'));
  const stateRoot = path.join(project, '.stepwise');
  const outbox = path.join(stateRoot, 'outbox');
  const counts: Record<string, number> = {
    executions: 0,
    succeededApproved: 0,
    succeededRejected: 0,
    containersKilled: 0,
    engineKills: 0,
    engineRefusedDamagedStore: 0,
    tornLinesTolerated: 0,
    redrives: 0,
    approvalRaces: 0,
    raceWonByApprove: 0,
    raceWonByReject: 0,
    singleApprovals: 0,
    singleRejections: 0,
    sideEffects: 0,
    sideEffectInvocations: 0,
  };
  const violations: string[] = [];
  const tracked: Tracked[] = Array.from({ length: options.runs }, (_, index) => ({ index, task: `chaos ${index}`, answered: new Set(), containerKills: 0, redrives: 0 }));
  const ours = new Set<string>();
  const nameSuffix = `${process.pid}-${options.seed}`;

  let engine: EngineProcess | undefined;
  const sfnFor = (running: EngineProcess) => new SFNClient({ endpoint: running.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'chaos', secretAccessKey: 'chaos' }, maxAttempts: 1 });
  let sfn: SFNClient | undefined;

  const start = async (): Promise<void> => {
    const started = await startEngineProcess(project, CONFIG);
    if ('refused' in started) throw new Error(`stepwise dev refused to start on an undamaged store (exit ${started.code}):\n${started.output}`);
    engine = started;
    sfn = sfnFor(started);
  };

  const folderOf = (executionArn: string) => path.join(stateRoot, 'engine', 'executions', encodeURIComponent(`${AGENT}:${executionArn.split(':').at(-1)}`));

  /** While the engine is down: a torn last history line (a crash mid-append, to be tolerated) or a damaged middle line (to be refused, then put back). */
  const damageStore = async (kind: 'torn' | 'middle'): Promise<void> => {
    const candidates = tracked.filter((run) => run.executionArn && existsSync(path.join(folderOf(run.executionArn), 'history.jsonl')));
    if (candidates.length === 0) return;
    const victim = pick(candidates);
    const file = path.join(folderOf(victim.executionArn!), 'history.jsonl');
    if (kind === 'torn' || lines(file).length < 3) {
      appendFileSync(file, '{"timestamp":17,"type":"TaskSt');
      counts.tornLinesTolerated += 1;
      log(`  torn the last line of ${file}`);
      return;
    }
    const backup = `${file}.chaos-backup`;
    copyFileSync(file, backup);
    const content = readFileSync(file, 'utf8').split('\n');
    const line = 1 + Math.floor(random() * (content.filter(Boolean).length - 1));
    content[line - 1] = '{"timestamp": 17, "id": ';
    writeFileSync(file, content.join('\n'));
    log(`  damaged line ${line} of ${file}`);
    const refused = await startEngineProcess(project, CONFIG);
    if (!('refused' in refused)) {
      violations.push(`the engine started and served a store with a damaged history line (${file}:${line})`);
      await stopEngine(refused);
    } else {
      counts.engineRefusedDamagedStore += 1;
      if (refused.code === 0) violations.push(`stepwise dev exited 0 on a damaged store (${file}:${line})`);
      if (!refused.output.includes(`${file}:${line}`)) violations.push(`stepwise dev did not name the damaged file ${file}:${line}; it said:\n${refused.output}`);
    }
    // The operator puts the good copy back.
    copyFileSync(backup, file);
    rmSync(backup);
  };

  const killAndRestartEngine = async (): Promise<void> => {
    counts.engineKills += 1;
    log(`engine kill ${counts.engineKills}`);
    await killEngine(engine!);
    const until = Date.now() + 20_000;
    while (liveContainers(ours).length > 0) {
      if (Date.now() > until) {
        violations.push(`containers outlived the killed engine: ${liveContainers(ours).map((c) => c.pid).join(', ')}`);
        break;
      }
      await sleep(50);
    }
    // The first two restarts always find damage (one of each kind), later ones at random.
    const damage = counts.engineKills === 1 ? 'middle' : counts.engineKills === 2 ? 'torn' : chance(0.5) ? pick(['middle', 'torn'] as const) : undefined;
    if (damage) await damageStore(damage);
    await start();
  };

  const killContainer = (): void => {
    const live = liveContainers(ours, engine!.pid).filter(({ executionArn }) => tracked.find((run) => run.executionArn === executionArn)!.containerKills < MAX_CONTAINER_KILLS_PER_EXECUTION);
    if (live.length === 0) return;
    const victim = pick(live);
    try {
      process.kill(victim.pid, 'SIGKILL');
      tracked.find((run) => run.executionArn === victim.executionArn)!.containerKills += 1;
      counts.containersKilled += 1;
    } catch {
      // It ended on its own in the meantime.
    }
  };

  /** Answers an approval: alone, or approve and reject at once on the same token (exactly one may win). */
  const answer = async (run: Tracked, approval: { approvalId: string; taskToken: string }): Promise<void> => {
    if (run.answered.has(approval.approvalId)) {
      violations.push(`${run.executionArn}: approval ${approval.approvalId} was answered (${run.decision}) and accepted, but is asked again`);
    }
    const approve = () => sfn!.send(new SendTaskSuccessCommand({ taskToken: approval.taskToken, output: JSON.stringify({ approved: true }) }));
    const reject = () => sfn!.send(new SendTaskFailureCommand({ taskToken: approval.taskToken, error: 'Stepwise.ApprovalRejected', cause: REJECTION }));
    // Both outcomes happen in every run, whatever the races' winners: the first execution is approved, the third rejected.
    const forced: Decision | undefined = run.index === 0 ? 'approve' : run.index === 2 ? 'reject' : undefined;
    const race = run.decision === undefined && forced === undefined && (counts.approvalRaces === 0 || chance(0.5));
    if (race) {
      counts.approvalRaces += 1;
      // Sent together, in a random order: the engine must take exactly one.
      const rejectFirst = chance(0.5);
      const first = rejectFirst ? reject() : approve();
      const second = rejectFirst ? approve() : reject();
      const [approved, rejected] = await Promise.allSettled(rejectFirst ? [second, first] : [first, second]);
      const winners: Decision[] = [...(approved.status === 'fulfilled' ? ['approve' as const] : []), ...(rejected.status === 'fulfilled' ? ['reject' as const] : [])];
      if (winners.length > 1) violations.push(`${run.executionArn}: both approve and reject were accepted on one token`);
      if (winners.length === 0) return; // The token closed under us (a restart): it will be listed again, or not at all.
      run.decision = winners[0];
      counts[winners[0] === 'approve' ? 'raceWonByApprove' : 'raceWonByReject'] += 1;
    } else {
      // An approval asked again (a lost answer) gets the same answer, so the outcome stays checkable.
      const decision: Decision = run.decision ?? forced ?? (chance(0.5) ? 'approve' : 'reject');
      try {
        await (decision === 'approve' ? approve() : reject());
      } catch {
        return;
      }
      run.decision = decision;
      counts[decision === 'approve' ? 'singleApprovals' : 'singleRejections'] += 1;
    }
    run.answered.add(approval.approvalId);
  };

  const pendingApprovals = async (executionArn: string): Promise<{ approvalId: string; taskToken: string }[]> => {
    const response = await fetch(`${engine!.endpoint}/approvals?executionArn=${encodeURIComponent(executionArn)}`);
    if (!response.ok) return [];
    return ((await response.json()) as { approvals: { approvalId: string; taskToken: string }[] }).approvals;
  };

  /** One look at an execution: finished, redriven, or its approvals answered. */
  const visit = async (run: Tracked): Promise<void> => {
    const execution = await sfn!.send(new DescribeExecutionCommand({ executionArn: run.executionArn }));
    if (execution.status === 'RUNNING') {
      for (const approval of await pendingApprovals(run.executionArn!)) await answer(run, approval);
      return;
    }
    if (execution.status === 'FAILED' && execution.redriveStatus === 'REDRIVABLE' && execution.error === 'Stepwise.EngineRestarted' && run.redrives < MAX_REDRIVES) {
      // What an operator does after a restart stopped a turn: redrive, and it resumes from its checkpoint.
      await sfn!.send(new RedriveExecutionCommand({ executionArn: run.executionArn }));
      run.redrives += 1;
      counts.redrives += 1;
      return;
    }
    run.final = execution;
  };

  try {
    await start();
    let next = 0;
    for (;;) {
      const active = tracked.filter((run) => run.executionArn && !run.final);
      if (next >= tracked.length && active.length === 0) break;
      if (Date.now() > deadline) {
        violations.push(`time limit reached with ${tracked.length - tracked.filter((run) => run.final).length} execution(s) unfinished: ${active.map((run) => run.executionArn).join(', ')}`);
        break;
      }
      while (next < tracked.length && active.length < parallel) {
        const run = tracked[next++];
        const { executionArn } = await sfn!.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: `chaos-${nameSuffix}-${run.index}`, input: JSON.stringify({ task: run.task }) }));
        run.executionArn = executionArn!;
        ours.add(executionArn!);
        active.push(run);
        counts.executions += 1;
      }
      for (const run of active) await visit(run);
      const finished = tracked.filter((run) => run.final).length;
      // Every kind of chaos happens at least once per run, whatever the seed; then at random.
      if (counts.containersKilled === 0 || chance(0.08)) killContainer();
      const firstKillDue = counts.engineKills === 0 && finished >= Math.max(1, Math.floor(options.runs / 2)) && active.length > 0;
      // Engine kills are spread over the run: the k-th may happen once k/maxEngineKills of it is started.
      const killAllowed = counts.engineKills < Math.min(maxEngineKills, Math.ceil((next / tracked.length) * maxEngineKills));
      if (counts.engineKills < maxEngineKills && (firstKillDue || (killAllowed && chance(0.03)))) await killAndRestartEngine();
      await sleep(50 + Math.floor(random() * 250));
    }
  } finally {
    if (engine) await stopEngine(engine);
  }

  for (const run of tracked.filter((candidate) => candidate.final)) check(run);

  function check(run: Tracked): void {
    const { executionArn, final } = run;
    const keyed = (key: string) => key.startsWith(`${executionArn}:`);
    const folder = path.join(outbox, 'side-effects');
    const effectFiles = existsSync(folder) ? readdirSync(folder).map(decodeURIComponent).filter(keyed) : [];
    const effects = effectFiles.flatMap((key) => lines(path.join(folder, encodeURIComponent(key))));
    counts.sideEffects += effects.length;
    counts.sideEffectInvocations += lines(path.join(outbox, 'invocations.log')).filter(keyed).length;
    if (final!.status !== 'SUCCEEDED') {
      violations.push(`${executionArn}: ended ${final!.status} (${final!.error ?? ''}: ${final!.cause ?? ''}) after ${run.redrives} redrive(s) and ${run.containerKills} container kill(s)`);
      return;
    }
    const answer = String((JSON.parse(final!.output ?? '{}') as { answer?: unknown }).answer);
    if (run.decision === 'approve') {
      counts.succeededApproved += 1;
      if (effectFiles.length !== 1 || effects.length !== 1) violations.push(`${executionArn}: approved, but its side effect ran ${effects.length} time(s) under ${effectFiles.length} key(s)`);
      if (!answer.includes(`record_effect={"written":"entry: ${run.task}"`)) violations.push(`${executionArn}: approved, but the answer does not report the effect: ${answer}`);
    } else if (run.decision === 'reject') {
      counts.succeededRejected += 1;
      if (effects.length !== 0) violations.push(`${executionArn}: rejected, but its side effect ran ${effects.length} time(s)`);
      if (!answer.includes(`record_effect=rejected by human operator: ${REJECTION}`)) violations.push(`${executionArn}: rejected, but the answer does not say so: ${answer}`);
    } else {
      violations.push(`${executionArn}: SUCCEEDED without an approval answered (the approval was lost): ${answer}`);
    }
  }

  const leftover = liveContainers(ours);
  if (leftover.length > 0) violations.push(`containers still running after the engine stopped: ${leftover.map((c) => `${c.pid} (${c.executionArn})`).join(', ')}`);
  if (violations.length === 0) rmSync(project, { recursive: true, force: true });
  else log(`kept the project for inspection: ${project}`);
  return { seed: options.seed, runs: options.runs, elapsedMs: Date.now() - startedAt, counts, violations };
}
