import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { ApprovalStore, EventLog, PayloadStore } from '../../framework/internal';
import { executionInputSchema } from '../../state-machines';
import { RequestBodyLimits } from '../constants';
import { LocalApiError } from '../errors';
import type { ExecutionManager } from '../executions/execution-manager';
import { readBody, sendJson } from '../http/http-io';
import type { SfnOperation } from '../sfn-api/operations';
import type { AgentsResponse, ApprovalsResponse, ConsoleAgent, ConsoleErrorBody, JsonSchemaObject } from './api-types';
import { approvalDecisions, consoleApproval } from './approval-decisions';
import { CONSOLE_ASSETS, CONSOLE_SECURITY_HEADERS, consoleBuildProblem, consolePageHtml, readConsoleAsset, type ConsoleAssetName } from './console-page';
import { ConsoleErrorCode, ConsoleRequestError } from './errors';
import { RunSummaries } from './run-summaries';

/** What the console needs from the engine. */
export interface ConsoleRoutesOptions {
  readonly manager: ExecutionManager;
  readonly approvals: ApprovalStore;
  readonly events: EventLog;
  /** Long approval arguments and decisions, by reference. */
  readonly payloads: PayloadStore;
  /** The engine's Step Functions operations, which decisions go through. */
  readonly operations: Readonly<Record<string, SfnOperation>>;
  /** The agents with their tools' schemas; without them the console lists state machines by name and cannot edit arguments. */
  readonly agents?: readonly ConsoleAgent[];
  /** The per-engine secret the page carries. */
  readonly secret: string;
  readonly log: (line: string) => void;
}

/** The console's routes, each behind the engine's request guard. */
export interface ConsoleRoutes {
  /** `GET /`: the page. */
  page(response: ServerResponse): void;
  /** `GET /console/assets/{name}` */
  asset(response: ServerResponse, name: string): void;
  /** `GET /console/api/{agents|runs|approvals}` */
  read(response: ServerResponse, resource: string): Promise<void>;
  /** `POST /console/api/approvals/{approvalId}/decision` */
  decide(request: IncomingMessage, response: ServerResponse, approvalId: string): Promise<void>;
}

const API_HEADERS = { 'Cache-Control': 'no-store', ...CONSOLE_SECURITY_HEADERS };

function sendConsoleError(response: ServerResponse, error: unknown, log: (line: string) => void): void {
  if (error instanceof ConsoleRequestError || error instanceof LocalApiError) {
    const body: ConsoleErrorBody = { __type: error.code, message: error.message, ...(error instanceof ConsoleRequestError && error.issues ? { issues: error.issues } : {}) };
    sendJson(response, error.statusCode, body, API_HEADERS);
    return;
  }
  log(`Console request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  sendJson(response, 500, { __type: 'InternalFailure', message: 'The local engine failed; see its log' }, API_HEADERS);
}

/**
 * The web console's routes: its page (with the per-engine secret), its files, and a small JSON API
 * for what the Step Functions API does not answer — the runs list with tasks, iterations and cost,
 * the agents with their tools' schemas, the approvals without their task tokens, and deciding an
 * approval by id. Everything else the page does (start, describe, history, stop, redrive) goes
 * through the Step Functions API like any client.
 *
 * @example
 * const console = consoleRoutes({ manager, approvals: stores.approvals, events: stores.events, payloads: stores.payloads, operations, agents, secret, log });
 */
export function consoleRoutes(options: ConsoleRoutesOptions): ConsoleRoutes {
  const runs = new RunSummaries({ manager: options.manager, events: options.events, approvals: options.approvals });
  const inputSchema = z.toJSONSchema(executionInputSchema, { io: 'input', target: 'draft-7' }) as JsonSchemaObject;
  const agents = (): ConsoleAgent[] => {
    const known = new Map((options.agents ?? []).map((agent) => [agent.name, agent]));
    return options.manager.stateMachines().map((machine) => known.get(machine.name) ?? { name: machine.name, description: '', stateMachineArn: machine.arn, tools: [] });
  };
  const toolSchema = (agent: string, tool: string) => options.agents?.find((each) => each.name === agent)?.tools.find((each) => each.name === tool)?.parameters;
  const decide = approvalDecisions({ approvals: options.approvals, payloads: options.payloads, operations: options.operations, toolSchema });

  return {
    page(response) {
      const problem = consoleBuildProblem();
      const html = Buffer.from(consolePageHtml({ secret: options.secret, problem }));
      // The page carries the secret: never cached, never stored.
      response.writeHead(problem ? 500 : 200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(html.length), 'Cache-Control': 'no-store', ...CONSOLE_SECURITY_HEADERS });
      response.end(html);
    },

    asset(response, name) {
      if (!Object.prototype.hasOwnProperty.call(CONSOLE_ASSETS, name)) {
        sendJson(response, 404, { __type: ConsoleErrorCode.NotFound, message: `The console has no file "${name}"` }, API_HEADERS);
        return;
      }
      const { content, problem } = readConsoleAsset(name as ConsoleAssetName);
      if (!content) {
        sendJson(response, 500, { __type: ConsoleErrorCode.NotFound, message: problem }, API_HEADERS);
        return;
      }
      response.writeHead(200, { 'Content-Type': CONSOLE_ASSETS[name as ConsoleAssetName], 'Content-Length': String(content.length), 'Cache-Control': 'no-cache', ...CONSOLE_SECURITY_HEADERS });
      response.end(content);
    },

    async read(response, resource) {
      try {
        if (resource === 'agents') {
          const body: AgentsResponse = { agents: agents(), executionInputSchema: inputSchema };
          sendJson(response, 200, body, API_HEADERS);
        } else if (resource === 'runs') {
          sendJson(response, 200, await runs.list(), API_HEADERS);
        } else if (resource === 'approvals') {
          const pending = await options.approvals.list();
          const body: ApprovalsResponse = { approvals: await Promise.all(pending.map((approval) => consoleApproval(approval, toolSchema(approval.agent, approval.tool), options.payloads))), now: new Date().toISOString() };
          sendJson(response, 200, body, API_HEADERS);
        } else {
          throw new ConsoleRequestError(ConsoleErrorCode.NotFound, `The console API has no "${resource}"; it serves agents, runs and approvals.`, { statusCode: 404 });
        }
      } catch (error) {
        sendConsoleError(response, error, options.log);
      }
    },

    async decide(request, response, approvalId) {
      try {
        const raw = await readBody(request, RequestBodyLimits.payloadUploadBytes);
        let body: unknown;
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new ConsoleRequestError(ConsoleErrorCode.Validation, 'The decision is not valid JSON');
        }
        sendJson(response, 200, await decide(approvalId, body), API_HEADERS);
      } catch (error) {
        sendConsoleError(response, error, options.log);
      }
    },
  };
}
