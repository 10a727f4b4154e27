// Controller owns the language client of the workspace and connects its
// AgentSession to the views, notifications and commands.
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import { AgentSession, Connection, Notice } from './protocol/session';
import { findBinary } from './protocol/binary';
import { initializationOptions, Settings } from './protocol/settings';
import { toMarkdown, transcript } from './protocol/chat';
import { MessageType, ShowMessageRequestParams, MessageActionItem } from './protocol/types';
import { ChatViewProvider } from './chatView';
import { BackgroundTree } from './backgroundTree';

export class Controller implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private session: AgentSession | undefined;
  private starting: Promise<AgentSession | undefined> | undefined;

  constructor(
    private readonly output: vscode.LogOutputChannel,
    private readonly chatView: ChatViewProvider,
    private readonly tree: BackgroundTree,
  ) {}

  /** ensure returns the running session, starting the server when needed. */
  ensure(): Promise<AgentSession | undefined> {
    if (this.session && this.client?.isRunning()) {
      return Promise.resolve(this.session);
    }
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    return this.starting;
  }

  current(): AgentSession | undefined {
    return this.session;
  }

  private async start(): Promise<AgentSession | undefined> {
    await this.stop();
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder || folder.uri.scheme !== 'file') {
      void vscode.window.showErrorMessage('agentls needs a folder on disk: open a folder first.');
      return undefined;
    }
    const cfg = vscode.workspace.getConfiguration('agentls', folder);
    const settings: Settings = {
      path: cfg.get<string>('path'),
      model: cfg.get('model'),
      background: cfg.get('background'),
      autoApprove: cfg.get<string[]>('autoApprove'),
      dataDir: cfg.get<string>('dataDir'),
    };
    const { options, problems } = initializationOptions(settings);
    if (problems.length > 0) {
      void vscode.window.showErrorMessage(`agentls settings: ${problems.join('; ')}`, 'Open Settings').then((a) => {
        if (a) {
          void vscode.commands.executeCommand('workbench.action.openSettings', 'agentls');
        }
      });
      return undefined;
    }
    const bin = findBinary(settings.path, process.env, folder.uri.fsPath);
    if (!bin.file) {
      void vscode.window.showErrorMessage(bin.error ?? 'agentls binary not found', 'Open Settings').then((a) => {
        if (a) {
          void vscode.commands.executeCommand('workbench.action.openSettings', 'agentls.path');
        }
      });
      return undefined;
    }
    const serverOptions: ServerOptions = { command: bin.file, args: ['--stdio'], options: { cwd: folder.uri.fsPath } };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [],
      workspaceFolder: folder,
      initializationOptions: options,
      outputChannel: this.output,
      initializationFailedHandler: (error) => {
        void vscode.window.showErrorMessage(`agentls failed to start: ${error instanceof Error ? error.message : String(error)}`);
        return false;
      },
    };
    const client = new LanguageClient('agentls', 'agentls', serverOptions, clientOptions);
    const conn: Connection = {
      sendRequest: <R>(method: string, params: unknown) => client.sendRequest<R>(method, params),
      onNotification: (method, handler) => client.onNotification(method, handler),
      onRequest: (method, handler) => client.onRequest(method, handler as () => unknown),
    };
    // Handlers registered before start take the place of the client's
    // stock showMessage / showMessageRequest handlers.
    const session = new AgentSession(conn, { approve: (p) => this.approve(p), notice: (n) => this.notice(n) });
    try {
      await client.start();
    } catch (e) {
      session.dispose();
      this.output.appendLine(`agentls failed to start: ${String(e)}`);
      return undefined;
    }
    this.client = client;
    this.session = session;
    this.chatView.setModel(session.chat);
    this.tree.setModel(session.background);
    return session;
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.session?.dispose();
    this.session = undefined;
    this.client = undefined;
    this.chatView.setModel(undefined);
    this.tree.setModel(undefined);
    if (client) {
      try {
        await client.stop(2000);
      } catch (e) {
        this.output.appendLine(`agentls stop: ${String(e)}`);
      }
    }
  }

  private async approve(p: ShowMessageRequestParams): Promise<MessageActionItem | null> {
    const actions = p.actions ?? [];
    const choice = await vscode.window.showWarningMessage(p.message, { modal: true }, ...actions);
    return choice ?? null;
  }

  private notice(n: Notice): void {
    const show =
      n.type === MessageType.Error
        ? vscode.window.showErrorMessage
        : n.type === MessageType.Warning
          ? vscode.window.showWarningMessage
          : vscode.window.showInformationMessage;
    if (n.type === MessageType.Log) {
      this.output.appendLine(n.message);
      return;
    }
    // The server's taskId names the task even when background/list failed.
    const taskId = n.task?.taskId ?? n.taskId;
    if (!taskId) {
      void show(n.message);
      return;
    }
    void show(n.message, 'Show Result').then((a) => {
      if (a) {
        void this.showTask(taskId);
      }
    });
  }

  /** showTask opens a task's stored conversation as a Markdown document. */
  async showTask(taskId: string): Promise<void> {
    const s = await this.ensure();
    if (!s) {
      return;
    }
    try {
      const r = await s.get(taskId);
      let md = toMarkdown(transcript(r.task, r.messages));
      md += `\n_Status: ${r.task.status}${r.task.error ? ' — ' + r.task.error : ''}_\n`;
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: md });
      await vscode.window.showTextDocument(doc, { preview: true });
    } catch (e) {
      void vscode.window.showErrorMessage(`agentls: ${errorText(e)}`);
    }
  }

  dispose(): void {
    void this.stop();
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
