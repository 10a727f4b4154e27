// AgentSession is the protocol logic of one agentls connection: typed
// requests, and the chat and background models fed by the server's
// notifications. It runs over any Connection: vscode-languageclient's
// LanguageClient in the extension, a vscode-jsonrpc connection in tests.
import { ChatModel, ChatOptions } from './chat';
import { BackgroundModel } from './background';
import {
  MessageActionItem,
  MessageType,
  ShowMessageParams,
  ShowMessageRequestParams,
  StartParams,
  StartResult,
  TaskGetResult,
  TaskInfo,
  TaskListResult,
  TaskMessageParams,
  TaskStateParams,
} from './types';

export interface Disposable {
  dispose(): void;
}

/** Connection is the part of a JSON-RPC connection the session needs. */
export interface Connection {
  sendRequest<R>(method: string, params: unknown): Promise<R>;
  onNotification(method: string, handler: (params: any) => void): Disposable;
  onRequest(method: string, handler: (params: any) => unknown): Disposable;
}

/** Notice is a window/showMessage, with the background task it is about. */
export interface Notice extends ShowMessageParams {
  task?: TaskInfo;
}

export interface SessionHooks {
  /** approve answers a tool approval; null denies. */
  approve(p: ShowMessageRequestParams): Promise<MessageActionItem | null>;
  /** notice shows a window/showMessage (background outcomes, session errors). */
  notice?(n: Notice): void;
}

export class AgentSession implements Disposable {
  readonly chat: ChatModel;
  readonly background = new BackgroundModel();
  private readonly subscriptions: Disposable[] = [];

  constructor(private readonly conn: Connection, private readonly hooks: SessionHooks, opts: ChatOptions = {}) {
    this.chat = new ChatModel(opts);
    this.subscriptions.push(
      conn.onNotification('task/message', (p: TaskMessageParams) => this.onMessage(p)),
      conn.onNotification('task/state', (p: TaskStateParams) => this.chat.state(p)),
      conn.onNotification('window/showMessage', (p: ShowMessageParams) => void this.onShowMessage(p)),
      conn.onRequest('window/showMessageRequest', (p: ShowMessageRequestParams) => this.onApproval(p)),
    );
  }

  /** start starts a foreground task and returns its id. */
  async start(text: string, opts: Omit<StartParams, 'text'> = {}): Promise<string> {
    const params: StartParams = { text };
    if (opts.mode) {
      params.mode = opts.mode;
    }
    if (opts.title) {
      params.title = opts.title;
    }
    const r = await this.conn.sendRequest<StartResult>('task/start', params);
    return r.taskId;
  }

  /** reply answers the waiting task, or continues the newest finished one. */
  async reply(text: string, taskId = this.chat.replyTarget()): Promise<void> {
    if (!taskId) {
      throw new Error('no task to reply to; start one first');
    }
    await this.conn.sendRequest('task/reply', { taskId, text });
  }

  /** cancel cancels a task and its descendants; by default the whole foreground stack. */
  async cancel(taskId = this.chat.foregroundStack()[0]): Promise<boolean> {
    if (!taskId) {
      return false;
    }
    await this.conn.sendRequest('task/cancel', { taskId });
    return true;
  }

  async resume(taskId: string): Promise<void> {
    await this.conn.sendRequest('task/resume', { taskId });
  }

  async history(): Promise<TaskInfo[]> {
    return (await this.conn.sendRequest<TaskListResult>('task/list', {})).tasks ?? [];
  }

  async get(taskId: string): Promise<TaskGetResult> {
    return this.conn.sendRequest<TaskGetResult>('task/get', { taskId });
  }

  /** refreshBackground reloads the background model from background/list. */
  async refreshBackground(): Promise<TaskInfo[]> {
    const r = await this.conn.sendRequest<TaskListResult>('background/list', {});
    this.background.set(r.tasks ?? []);
    return this.background.list();
  }

  async cancelBackground(taskId: string): Promise<void> {
    await this.conn.sendRequest('background/cancel', { taskId });
    await this.refreshBackground();
  }

  dispose(): void {
    for (const d of this.subscriptions.splice(0)) {
      d.dispose();
    }
  }

  private onMessage(p: TaskMessageParams): void {
    this.chat.message(p);
    // A started background task: show it in the background view.
    const m = p?.message;
    if (m?.kind === 'tool' && m.name === 'new_task' && m.status === 'done') {
      void this.refreshBackground().catch(() => undefined);
    }
  }

  private async onShowMessage(p: ShowMessageParams): Promise<void> {
    if (!p || typeof p.message !== 'string') {
      return;
    }
    const notice: Notice = { type: p.type, message: p.message };
    const taskId = typeof p.taskId === 'string' && p.taskId !== '' ? p.taskId : undefined;
    if (taskId) {
      notice.taskId = taskId;
    }
    if (p.type === MessageType.Info || p.type === MessageType.Warning || p.type === MessageType.Error) {
      try {
        await this.refreshBackground();
        notice.task = this.background.outcomeFor(p.message, taskId);
      } catch {
        // The notice still shows, without a task to open.
      }
    }
    this.hooks.notice?.(notice);
  }

  private async onApproval(p: ShowMessageRequestParams): Promise<MessageActionItem | null> {
    try {
      return (await this.hooks.approve(p)) ?? null;
    } catch {
      return null; // a failed answer denies
    }
  }
}
