export { main } from './main';
export { readContainerConfig, type ContainerConfig } from './environment';
export { runTurn, storesFor, type TurnDependencies } from './turn';
export { loadDecisions, loadOrStartState, recordDecisions, sessionKey } from './checkpoints';
export { readExecutionInput } from './execution-input';
export { turnOutputOf } from './turn-output';
export { startHeartbeat } from './heartbeat';
