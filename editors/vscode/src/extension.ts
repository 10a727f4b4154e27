// Entry point of the VS Code extension: registers the views and commands.
// Protocol logic lives in src/protocol (no vscode import); this is glue.
import * as vscode from 'vscode';
import { ChatViewProvider } from './chatView';
import { BackgroundTree } from './backgroundTree';
import { Controller, errorText } from './controller';
import { ErrorCodes, TaskInfo } from './protocol/types';
import { oneLine, statusLabel } from './protocol/format';

const modes = ['code', 'ask', 'architect', 'orchestrator'];

/** parsePrompt reads an optional leading "mode:" ("ask: what is…"). */
function parsePrompt(text: string): { text: string; mode?: string } {
  const m = /^(\w+):\s+([\s\S]*)$/.exec(text);
  if (m && modes.includes(m[1])) {
    return { text: m[2], mode: m[1] };
  }
  return { text };
}

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('agentls', { log: true });
  const tree = new BackgroundTree();
  // The chat's actions are hoisted functions below that use ctl.
  const chat = new ChatViewProvider(context.extensionUri, {
    send: (text) => void sendFromChat(text),
    start: (text) => void startTask({ text }),
    cancel: () => void cancelTask(),
  });
  const ctl = new Controller(output, chat, tree);

  async function startTask(arg?: { text?: string; mode?: string; title?: string }): Promise<void> {
    let text = arg?.text;
    if (!text) {
      text = await vscode.window.showInputBox({ prompt: 'Task for the agent (prefix "ask: ", "architect: " … to pick a mode)', ignoreFocusOut: true });
    }
    if (!text?.trim()) {
      return;
    }
    const parsed = arg?.mode ? { text, mode: arg.mode } : parsePrompt(text);
    const s = await ctl.ensure();
    if (!s) {
      return;
    }
    try {
      await s.start(parsed.text, { mode: parsed.mode, title: arg?.title });
      void vscode.commands.executeCommand('agentls.chat.focus');
    } catch (e) {
      if ((e as { code?: number }).code === ErrorCodes.ForegroundActive) {
        void vscode.window.showWarningMessage('A task is already active: reply to it or cancel it first.');
        return;
      }
      void vscode.window.showErrorMessage(`agentls: ${errorText(e)}`);
    }
  }

  async function reply(arg?: { text?: string; taskId?: string }): Promise<void> {
    const s = await ctl.ensure();
    if (!s) {
      return;
    }
    const target = arg?.taskId ?? s.chat.replyTarget();
    if (!target) {
      void vscode.window.showInformationMessage('No task to reply to yet: start one first.');
      return;
    }
    const text = arg?.text ?? (await vscode.window.showInputBox({ prompt: `Reply to "${oneLine(s.chat.task(target)?.title ?? target, 60)}"`, ignoreFocusOut: true }));
    if (!text?.trim()) {
      return;
    }
    try {
      await s.reply(text, target);
    } catch (e) {
      void vscode.window.showErrorMessage(`agentls: ${errorText(e)}`);
    }
  }

  async function sendFromChat(text: string): Promise<void> {
    const s = ctl.current();
    // With a task to answer or continue the box replies; otherwise it starts one.
    if (s && s.chat.replyTarget()) {
      return reply({ text });
    }
    return startTask({ text });
  }

  async function cancelTask(arg?: { taskId?: string }): Promise<void> {
    const s = ctl.current();
    if (!s) {
      return;
    }
    try {
      if (!(await s.cancel(arg?.taskId))) {
        void vscode.window.showInformationMessage('No active task to cancel.');
      }
    } catch (e) {
      void vscode.window.showErrorMessage(`agentls: ${errorText(e)}`);
    }
  }

  async function resumeTask(arg?: { taskId?: string }): Promise<void> {
    const s = await ctl.ensure();
    if (!s) {
      return;
    }
    try {
      let id = arg?.taskId;
      if (!id) {
        const tasks = await s.history();
        if (tasks.length === 0) {
          void vscode.window.showInformationMessage('The task history is empty.');
          return;
        }
        const pick = await vscode.window.showQuickPick(
          tasks.map((t: TaskInfo) => ({ label: oneLine(t.title, 80), description: `${statusLabel(t.status)} · ${t.mode}`, detail: t.createdAt, id: t.taskId })),
          { placeHolder: 'Resume which task?' },
        );
        id = pick?.id;
      }
      if (id) {
        await s.resume(id);
        void vscode.commands.executeCommand('agentls.chat.focus');
      }
    } catch (e) {
      void vscode.window.showErrorMessage(`agentls: ${errorText(e)}`);
    }
  }

  async function refreshBackground(): Promise<void> {
    const s = await ctl.ensure();
    try {
      await s?.refreshBackground();
    } catch (e) {
      void vscode.window.showErrorMessage(`agentls: ${errorText(e)}`);
    }
  }

  context.subscriptions.push(
    output,
    tree,
    chat,
    ctl,
    vscode.window.registerWebviewViewProvider('agentls.chat', chat, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.window.createTreeView('agentls.background', { treeDataProvider: tree, showCollapseAll: false }),
    vscode.commands.registerCommand('agentls.startTask', startTask),
    vscode.commands.registerCommand('agentls.reply', reply),
    vscode.commands.registerCommand('agentls.cancelTask', cancelTask),
    vscode.commands.registerCommand('agentls.resumeTask', resumeTask),
    vscode.commands.registerCommand('agentls.showBackground', async () => {
      await vscode.commands.executeCommand('agentls.background.focus');
      await refreshBackground();
    }),
    vscode.commands.registerCommand('agentls.refreshBackground', refreshBackground),
    vscode.commands.registerCommand('agentls.cancelBackground', async (t?: TaskInfo | string) => {
      const id = typeof t === 'string' ? t : t?.taskId;
      const s = ctl.current();
      if (!id || !s) {
        return;
      }
      try {
        await s.cancelBackground(id);
      } catch (e) {
        void vscode.window.showErrorMessage(`agentls: ${errorText(e)}`);
      }
    }),
    vscode.commands.registerCommand('agentls.showTask', (id: string) => ctl.showTask(id)),
    vscode.commands.registerCommand('agentls.restart', async () => {
      await ctl.stop();
      await ctl.ensure();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('agentls') && ctl.current()) {
        void vscode.window.showInformationMessage('agentls settings changed: restart the server to apply them.', 'Restart').then((a) => {
          if (a) {
            void vscode.commands.executeCommand('agentls.restart');
          }
        });
      }
    }),
  );
}

export function deactivate(): void {
  // The controller is disposed with the context's subscriptions.
}
