import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ContainerEnv } from '../../state-machines';
import { LocalDefaults } from '../constants';

/** How a container process ended. */
export interface ContainerExit {
  /** Exit code, or `null` when a signal ended it. */
  readonly code: number | null;
  readonly signal: string | null;
  /** The last lines it wrote to stderr. */
  readonly stderrTail: readonly string[];
}

/** A running container. */
export interface ContainerHandle {
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<ContainerExit>;
  /** Ends the process at once (SIGKILL); no-op once it exited. */
  kill(): void;
}

/** What the engine tells a runner about the container it wants. */
export interface ContainerRunOptions {
  /** Aborted when the task closed or the execution stopped: the runner must then end the container. */
  readonly signal: AbortSignal;
  /** Where the container's stdout and stderr go. */
  readonly logFile?: string;
  readonly executionArn?: string;
}

/**
 * Starts agent containers. The default runs a Node program as a child process; tests and other
 * hosts can plug in their own.
 */
export interface ContainerRunner {
  run(env: Record<string, string>, options: ContainerRunOptions): ContainerHandle;
}

/** Options of `processContainerRunner`. */
export interface ProcessContainerRunnerOptions {
  /** The compiled container entrypoint, e.g. `dist/agent-task/bundle.cjs`. */
  readonly entry: string;
  /** Static environment: config path, store location, endpoints, fake credentials, region. */
  readonly env: Record<string, string>;
  /** Receives each line the container prints, prefixed; @default lines go only to the log file */
  readonly log?: (line: string) => void;
}

/** Variables a container inherits from the engine: only what a Node process needs to start. */
export const INHERITED_ENV = ['PATH', 'HOME', 'NODE_OPTIONS', 'NODE_PATH', 'TMPDIR', 'TEMP', 'TMP', 'SYSTEMROOT', 'LANG', 'TZ'] as const;

/**
 * Runs each container as `node <entry>` with exactly the container's environment: the task's
 * overrides plus the static env, and nothing else from the engine besides the basics Node needs.
 * Each container holds an IPC channel to the engine and exits when it closes: containers die with
 * their engine (they are not re-adopted; the next engine start marks their executions redrivable).
 *
 * @example
 * const runner = processContainerRunner({ entry: 'dist/agent-task/bundle.cjs', env: { STEPWISE_CONFIG: 'stepwise.config.ts' } });
 */
export function processContainerRunner(options: ProcessContainerRunnerOptions): ContainerRunner {
  return {
    run(overrides, runOptions) {
      const env: Record<string, string> = {};
      for (const name of INHERITED_ENV) {
        const value = process.env[name];
        if (value !== undefined) env[name] = value;
      }
      Object.assign(env, options.env, overrides, { [ContainerEnv.EngineLifeline]: 'ipc' });
      // The IPC channel is the container's lifeline: when the engine dies, even by SIGKILL, the
      // channel closes and the container exits (see agent-task/main.ts), so no orphan goes on
      // calling tools through an API that is gone or checkpoints a turn it can never report.
      const child = spawn(process.execPath, [options.entry], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json' });
      // The engine sends nothing over the channel; it must not keep the engine alive either.
      child.channel?.unref();
      let logStream: ReturnType<typeof createWriteStream> | undefined;
      if (runOptions.logFile) {
        mkdirSync(path.dirname(runOptions.logFile), { recursive: true });
        logStream = createWriteStream(runOptions.logFile, { flags: 'a' });
        logStream.on('error', () => undefined);
      }
      const stderrTail: string[] = [];
      const label = runOptions.executionArn?.split(':').slice(-1)[0] ?? 'container';
      const forward = (stream: NodeJS.ReadableStream, isError: boolean) => {
        let partial = '';
        stream.on('data', (chunk: Buffer) => {
          logStream?.write(chunk);
          const lines = (partial + chunk.toString('utf8')).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) {
            if (isError) {
              stderrTail.push(line);
              if (stderrTail.length > LocalDefaults.stderrTailLines) stderrTail.shift();
            }
            options.log?.(`[${label}] ${line}`);
          }
        });
        stream.on('end', () => {
          if (!partial) return;
          if (isError) stderrTail.push(partial);
          options.log?.(`[${label}] ${partial}`);
        });
      };
      forward(child.stdout!, false);
      forward(child.stderr!, true);
      const exited = new Promise<ContainerExit>((resolve) => {
        child.once('error', (error) => {
          stderrTail.push(error.message);
          resolve({ code: null, signal: null, stderrTail });
        });
        child.once('close', (code, signal) => {
          logStream?.end();
          resolve({ code, signal, stderrTail });
        });
      });
      const kill = () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      };
      if (runOptions.signal.aborted) kill();
      else runOptions.signal.addEventListener('abort', kill, { once: true });
      return { exited, kill };
    },
  };
}
