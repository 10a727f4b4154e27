// The chat webview view: shows the session's transcript and takes prompts
// and replies. Rendering lives in media/chat.js; this file only moves
// snapshots in and user input out.
import * as vscode from 'vscode';
import { ChatModel } from './protocol/chat';

export interface ChatActions {
  /** send replies to the current task, or starts one when there is none. */
  send(text: string): void;
  /** start always starts a new task. */
  start(text: string): void;
  cancel(): void;
}

export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private model: ChatModel | undefined;
  private modelListener: vscode.Disposable | undefined;
  private pending: NodeJS.Timeout | undefined;

  constructor(private readonly extensionUri: vscode.Uri, private readonly actions: ChatActions) {}

  /** setModel points the view at a (new) session's chat. */
  setModel(model: ChatModel | undefined): void {
    this.modelListener?.dispose();
    this.model = model;
    this.modelListener = model?.onDidChange(() => this.schedule());
    this.schedule();
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    view.webview.options = { enableScripts: true, localResourceRoots: [media] };
    const nonce = Array.from({ length: 32 }, () => Math.floor(Math.random() * 36).toString(36)).join('');
    const script = view.webview.asWebviewUri(vscode.Uri.joinPath(media, 'chat.js'));
    const style = view.webview.asWebviewUri(vscode.Uri.joinPath(media, 'chat.css'));
    view.webview.html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${view.webview.cspSource}; script-src 'nonce-${nonce}' ${view.webview.cspSource};">
<link rel="stylesheet" href="${style}"></head>
<body><div id="bar"></div><div id="log"></div>
<div id="composer"><textarea id="input" rows="2" placeholder="Prompt or reply (Enter sends, Shift+Enter newline)"></textarea>
<button id="send">Start</button><button id="new" title="Start a new task with this text">New</button><button id="cancel" title="Cancel the foreground task">Stop</button></div>
<script nonce="${nonce}" src="${script}"></script></body></html>`;
    view.webview.onDidReceiveMessage((msg: { type?: string; text?: string }) => {
      if (msg.type === 'send' && typeof msg.text === 'string') {
        this.actions.send(msg.text);
      } else if (msg.type === 'start' && typeof msg.text === 'string') {
        this.actions.start(msg.text);
      } else if (msg.type === 'cancel') {
        this.actions.cancel();
      } else if (msg.type === 'ready') {
        this.flush();
      }
    });
    view.onDidDispose(() => (this.view = undefined));
  }

  // Streamed text can arrive many times a second; the view is redrawn at
  // most every 50 ms.
  private schedule(): void {
    if (this.pending === undefined) {
      this.pending = setTimeout(() => {
        this.pending = undefined;
        this.flush();
      }, 50);
    }
  }

  private flush(): void {
    if (!this.view) {
      return;
    }
    const m = this.model;
    void this.view.webview.postMessage({
      type: 'snapshot',
      items: m?.snapshot() ?? [],
      bar: m?.bar(),
      canReply: m?.replyTarget() !== undefined,
      active: m?.active() ?? false,
    });
  }

  dispose(): void {
    this.modelListener?.dispose();
    if (this.pending) {
      clearTimeout(this.pending);
    }
  }
}
