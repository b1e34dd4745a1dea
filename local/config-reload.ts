import path from 'node:path';
import { rmSync } from 'node:fs';
import type { StepwiseConfig } from '../framework';
import { ConfigCompileError, buildConfig, type ConfigBuild } from './config-build';
import { watchFiles, type FileWatch } from './config-watch';
import type { EngineProject, LocalEngine } from './engine';
import { describeReload, loadBuildConfig, projectCode, type ProjectCodeOptions } from './project-code';

/** What `ConfigReloader` needs. */
export interface ConfigReloaderOptions {
  readonly engine: LocalEngine;
  /** Absolute. */
  readonly configPath: string;
  readonly root: string;
  /** The config the engine serves now, and the build it came from (undefined when it did not compile ahead of time). */
  readonly config: StepwiseConfig;
  readonly build: ConfigBuild | undefined;
  readonly project: EngineProject;
  readonly codeOptions: ProjectCodeOptions;
  readonly debounceMs: number;
  readonly log: (line: string) => void;
}

/**
 * `stepwise dev`'s reload: watches the config and the project files it imports, and after a burst
 * of saves compiles them again, loads the new build and hands it to the engine, which starts new
 * executions on it while running ones finish on theirs. A build that fails (a syntax error, a
 * config that throws, an agent it refuses) changes nothing: the previous build keeps serving, one
 * line names the file, and the next save of it tries again. Prints one line per reload.
 *
 * @example
 * const reloader = new ConfigReloader({ engine, configPath, root, config, build, project, codeOptions, debounceMs: 200, log: console.error });
 * // … on Ctrl-C:
 * reloader.close();
 */
export class ConfigReloader {
  private config: StepwiseConfig;
  private build: ConfigBuild | undefined;
  private failing = false;
  private readonly watcher: FileWatch;
  private readonly projectDir: string;

  constructor(private readonly options: ConfigReloaderOptions) {
    this.config = options.config;
    this.build = options.build;
    this.projectDir = path.dirname(options.configPath);
    this.watcher = watchFiles(options.build ? Object.keys(options.build.inputs) : [options.configPath], options.debounceMs, () => this.reload());
  }

  close(): void {
    this.watcher.close();
  }

  private relative(file: string): string {
    return path.relative(this.projectDir, file) || file;
  }

  /** `where` is the file (esbuild's `file:line:column`, relative to the project) the failure is in. */
  private fail(file: string, where: string, message: string): void {
    this.failing = true;
    this.watcher.add(file);
    this.options.log(`Reload failed, still serving the previous build: ${where}: ${message.split('\n')[0]} (fix it and save to reload)`);
  }

  /** Compiles, loads and installs the config as it is now; never throws. */
  reload(): void {
    let build: ConfigBuild;
    try {
      build = buildConfig(this.options.configPath, this.options.root);
    } catch (error) {
      if (error instanceof ConfigCompileError && error.file) this.fail(error.file, error.where ?? this.relative(error.file), error.text);
      else this.fail(this.options.configPath, this.relative(this.options.configPath), (error as Error).message);
      return;
    }
    this.watcher.watch(Object.keys(build.inputs));
    if (build.id === this.build?.id) {
      if (this.failing) this.options.log(`${this.relative(this.options.configPath)} compiles again, unchanged from the build being served`);
      this.failing = false;
      return;
    }
    let config: StepwiseConfig;
    try {
      config = loadBuildConfig(build);
      this.options.engine.reload({ ...projectCode(config, build, build.id, this.options.codeOptions), project: { ...this.options.project, configHash: build.configHash } });
    } catch (error) {
      if (!this.options.engine.executions.versionsInUse().has(build.id)) rmSync(path.dirname(build.compiledPath), { recursive: true, force: true });
      this.fail(this.options.configPath, this.relative(this.options.configPath), (error as Error).message);
      return;
    }
    const running = [...this.options.engine.executions.runningVersions()].filter((version) => version !== build.id).length;
    this.options.log(
      `Reloaded ${this.relative(this.options.configPath)}: ${describeReload(this.config, config, this.build, build, this.projectDir)}. New executions use it` +
        (running > 0 ? '; running ones finish on the code they started with.' : '.'),
    );
    this.config = config;
    this.build = build;
    this.failing = false;
  }
}
