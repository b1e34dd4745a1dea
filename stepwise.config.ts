import { defineConfig } from 'stepwise-agents';
import { bundledToolsContext } from 'stepwise-agents/tools';
import { analysis, content, research } from './agents';

/**
 * The demo agents. Their tools read the corpus and write the outbox named by STEPWISE_CORPUS_DIR
 * and STEPWISE_OUTBOX_DIR (the bundled corpus and /tmp/stepwise-outbox when unset; `stepwise run`
 * and `stepwise dev` set them from `--corpus` and the project's `.stepwise/outbox`). Copy this
 * file to start your own project; see README.md.
 */
export default defineConfig({
  agents: [research, content, analysis],
  context: (env) => bundledToolsContext(env),
});
