import { defineConfig } from 'stepwise-agents';
import { analysis, content, research } from './agents';

/** The demo agents. Copy this file to start your own project; see README.md. */
export default defineConfig({
  agents: [research, content, analysis],
});
