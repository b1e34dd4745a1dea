export { scriptedModel, type ScriptedModel, type ScriptedReply } from './scripted-model';
