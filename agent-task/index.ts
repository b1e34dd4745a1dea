export { main } from './main';
export { LEAN_V8_FLAGS, tuneV8, tuneV8FromEnvironment } from './v8-tuning';
export { readContainerConfig, type ContainerConfig } from './environment';
export { runTurn, storesFor, type TurnDependencies } from './turn';
export { loadDecisions, loadOrStartState, recordDecisions, sessionKey } from './checkpoints';
export { readExecutionInput } from './execution-input';
export { turnOutputOf } from './turn-output';
export { startHeartbeat } from './heartbeat';
