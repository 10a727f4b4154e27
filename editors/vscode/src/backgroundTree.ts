// The "Background tasks" tree view, fed by the session's BackgroundModel.
import * as vscode from 'vscode';
import { BackgroundModel } from './protocol/background';
import { oneLine, statusLabel } from './protocol/format';
import { TaskInfo, isFinal } from './protocol/types';

const icons: Record<string, vscode.ThemeIcon> = {
  queued: new vscode.ThemeIcon('clock'),
  running: new vscode.ThemeIcon('sync~spin'),
  completed: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  timed_out: new vscode.ThemeIcon('watch', new vscode.ThemeColor('list.warningForeground')),
  cancelled: new vscode.ThemeIcon('circle-slash'),
};

export class BackgroundTree implements vscode.TreeDataProvider<TaskInfo>, vscode.Disposable {
  private model: BackgroundModel | undefined;
  private listener: vscode.Disposable | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  setModel(model: BackgroundModel | undefined): void {
    this.listener?.dispose();
    this.model = model;
    this.listener = model?.onDidChange(() => this.changed.fire());
    this.changed.fire();
  }

  getChildren(element?: TaskInfo): TaskInfo[] {
    // Newest first: the list arrives in creation order.
    return element ? [] : (this.model?.list() ?? []).reverse();
  }

  getTreeItem(t: TaskInfo): vscode.TreeItem {
    const item = new vscode.TreeItem(oneLine(t.title, 80), vscode.TreeItemCollapsibleState.None);
    item.id = t.taskId;
    item.description = statusLabel(t.status) + (t.result ? ` — ${oneLine(t.result, 60)}` : t.error ? ` — ${oneLine(t.error, 60)}` : '');
    item.iconPath = icons[t.status];
    item.contextValue = isFinal(t.status) ? 'agentls.finished' : 'agentls.active';
    const tip = new vscode.MarkdownString();
    tip.appendText(`${t.title}\n${statusLabel(t.status)} · ${t.mode} · ${t.taskId}\n`);
    if (t.result) {
      tip.appendText(`\n${t.result}`);
    }
    if (t.error) {
      tip.appendText(`\n${t.error}`);
    }
    item.tooltip = tip;
    item.command = { command: 'agentls.showTask', title: 'Show', arguments: [t.taskId] };
    return item;
  }

  dispose(): void {
    this.listener?.dispose();
    this.changed.dispose();
  }
}
