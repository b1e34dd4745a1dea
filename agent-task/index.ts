export { main } from './main';
export { readContainerConfig, type ContainerConfig } from './environment';
export { runTurn, storesFor, type TurnDependencies } from './turn';
export { loadOrStartState, recordDecisions, sessionKey } from './checkpoints';
export { startHeartbeat } from './heartbeat';
