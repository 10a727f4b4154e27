// ChatModel reduces the task/message and task/state streams of one session
// into a transcript: an ordered list of items that a view renders. It has
// no vscode dependency so that it is tested under plain Node.
import { Emitter, Event } from 'vscode-jsonrpc';
import { clipLines, oneLine, toolSummary } from './format';
import { Message, TaskInfo, TaskMessageParams, TaskStateParams, isFinal } from './types';

export type ItemRole = 'header' | 'user' | 'assistant' | 'tool' | 'question' | 'completion' | 'background' | 'error' | 'note';

/** Item is one rendered entry of the transcript. */
export interface Item {
  /** Stable across updates of the same message. */
  key: string;
  taskId: string;
  role: ItemRole;
  title?: string;
  body: string;
  status?: string;
  suggestions?: string[];
  streaming?: boolean;
  subtask?: boolean;
}

/** Bar summarises the foreground: the top task and the stack. */
export interface Bar {
  title: string;
  status: string;
  stack: string[];
}

export interface ChatOptions {
  /** Items kept; the oldest go first. */
  maxItems?: number;
  /** Tool output lines kept per tool call. */
  maxOutputLines?: number;
}

export class ChatModel {
  private items: Item[] = [];
  private readonly index = new Map<string, Item>();
  private readonly tasks = new Map<string, TaskInfo>();
  private stack: string[] = [];
  private lastTask: string | undefined;
  private latest: TaskInfo | undefined;
  private lastRoot: string | undefined;
  private readonly maxItems: number;
  private readonly maxOutputLines: number;
  private readonly changed = new Emitter<void>();

  /** Fires after every change. */
  readonly onDidChange: Event<void> = this.changed.event;

  constructor(opts: ChatOptions = {}) {
    this.maxItems = opts.maxItems ?? 5000;
    this.maxOutputLines = opts.maxOutputLines ?? 12;
  }

  /** message applies one task/message notification. */
  message(p: TaskMessageParams): void {
    if (!p || typeof p.taskId !== 'string' || !p.message || typeof p.message !== 'object') {
      return;
    }
    if (p.taskId !== this.lastTask) {
      this.lastTask = p.taskId;
      this.push(this.header(p.taskId));
    }
    const item = this.render(p.taskId, p.message);
    const existing = this.index.get(item.key);
    if (existing) {
      Object.assign(existing, item);
      // Fields a later update no longer carries must not linger.
      for (const k of Object.keys(existing) as (keyof Item)[]) {
        if (!(k in item)) {
          delete existing[k];
        }
      }
    } else {
      this.push(item);
    }
    this.changed.fire();
  }

  /** state applies one task/state notification. */
  state(p: TaskStateParams): void {
    if (!p || !p.task || typeof p.task.taskId !== 'string') {
      return;
    }
    this.tasks.set(p.task.taskId, p.task);
    this.stack = Array.isArray(p.stack) ? p.stack : [];
    this.latest = p.task;
    if (!p.task.background && !p.task.parentId) {
      this.lastRoot = p.task.taskId;
    }
    this.changed.fire();
  }

  /** note adds a line of the client's own. */
  note(text: string): void {
    this.push({ key: `note/${this.items.length}/${Date.now()}`, taskId: '', role: 'note', body: text });
    this.changed.fire();
  }

  /** clear empties the transcript (the task state stays). */
  clear(): void {
    this.items = [];
    this.index.clear();
    this.lastTask = undefined;
    this.changed.fire();
  }

  snapshot(): Item[] {
    return this.items.map((i) => ({ ...i }));
  }

  task(id: string): TaskInfo | undefined {
    return this.tasks.get(id);
  }

  /** top is the task at the top of the foreground stack. */
  top(): string | undefined {
    return this.stack[this.stack.length - 1];
  }

  foregroundStack(): string[] {
    return [...this.stack];
  }

  /** replyTarget is the task a reply goes to: the top of the stack, else the newest root task. */
  replyTarget(): string | undefined {
    return this.top() ?? this.lastRoot;
  }

  /** active reports whether a foreground task is on the stack. */
  active(): boolean {
    return this.stack.length > 0;
  }

  bar(): Bar | undefined {
    const top = this.top();
    const info = (top && this.tasks.get(top)) || this.latest;
    if (!info) {
      return undefined;
    }
    const stack = this.stack.map((id) => oneLine(this.tasks.get(id)?.title ?? id.slice(0, 8), 30));
    return { title: info.title, status: info.status, stack };
  }

  /** finished reports whether the task has reached a final status. */
  finished(id: string): boolean {
    const t = this.tasks.get(id);
    return t !== undefined && isFinal(t.status);
  }

  /** markdown renders the transcript as Markdown (for export and tests). */
  markdown(): string {
    return toMarkdown(this.items);
  }

  private push(item: Item): void {
    this.items.push(item);
    this.index.set(item.key, item);
    if (this.items.length > this.maxItems) {
      const dropped = this.items.splice(0, this.items.length - this.maxItems);
      for (const d of dropped) {
        this.index.delete(d.key);
      }
    }
  }

  private header(taskId: string): Item {
    const info = this.tasks.get(taskId);
    return {
      key: `header/${taskId}/${this.items.length}`,
      taskId,
      role: 'header',
      title: oneLine(info?.title ?? taskId.slice(0, 8), 100),
      body: info?.mode ?? '',
      subtask: Boolean(info?.parentId),
    };
  }

  private render(taskId: string, m: Message): Item {
    return renderMessage(taskId, m, this.maxOutputLines);
  }
}

/** renderMessage turns one message into an item. */
export function renderMessage(taskId: string, m: Message, maxOutputLines = 12): Item {
  const key = `${taskId}/${m.id}`;
  switch (m.kind) {
    case 'user':
      return { key, taskId, role: 'user', body: m.text ?? '' };
    case 'text': {
      const item: Item = { key, taskId, role: 'assistant', body: m.text ?? '' };
      if (m.partial) {
        item.streaming = true;
      }
      return item;
    }
    case 'tool': {
      const item: Item = {
        key,
        taskId,
        role: 'tool',
        title: `${m.name ?? 'tool'} ${toolSummary(m.name, m.input)}`.trim(),
        body: '',
        status: m.status ?? 'pending',
      };
      if (m.output && (m.status === 'done' || m.status === 'error' || m.status === 'denied')) {
        item.body = clipLines(m.output, maxOutputLines);
      }
      return item;
    }
    case 'question':
      return { key, taskId, role: 'question', body: m.text ?? '', suggestions: m.suggestions ?? [] };
    case 'completion':
      return { key, taskId, role: 'completion', body: m.result ?? '' };
    case 'background':
      return {
        key,
        taskId,
        role: 'background',
        title: m.title ?? m.taskId ?? '',
        status: m.status,
        body: m.result ?? m.text ?? '',
      };
    case 'error':
      return { key, taskId, role: 'error', title: m.reminder ? 'Reminder to the model' : 'Error', body: m.text ?? '' };
    default:
      return { key, taskId, role: 'note', body: `(${String(m.kind)} message)` };
  }
}

const toolMarks: Record<string, string> = {
  pending: '…',
  approved: '▶',
  denied: '✗ denied',
  done: '✓',
  error: '✗ error',
};

/** toMarkdown renders items as Markdown. */
export function toMarkdown(items: readonly Item[]): string {
  const out: string[] = [];
  for (const i of items) {
    switch (i.role) {
      case 'header':
        out.push(`${i.subtask ? '### Subtask: ' : '## '}${i.title} (${i.body})`);
        break;
      case 'user':
        out.push(`**You:** ${i.body}`);
        break;
      case 'assistant':
        out.push(i.body);
        break;
      case 'tool':
        out.push(`- \`${i.title}\` — ${toolMarks[i.status ?? ''] ?? i.status}`);
        if (i.body) {
          out.push('  ```', ...i.body.split('\n').map((l) => '  ' + l), '  ```');
        }
        break;
      case 'question':
        out.push(`**Question:** ${i.body}`, ...(i.suggestions ?? []).map((s, n) => `  ${n + 1}. ${s}`));
        break;
      case 'completion':
        out.push(`**Completed:** ${i.body}`);
        break;
      case 'background':
        out.push(`**Background task** "${i.title}" ${i.status ?? ''}${i.body ? ': ' + i.body : ''}`);
        break;
      case 'error':
        out.push(`**${i.title}:** ${i.body}`);
        break;
      default:
        out.push(`_${i.body}_`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** transcript renders a stored conversation (task/get) as items. */
export function transcript(task: TaskInfo, messages: readonly Message[], maxOutputLines = 12): Item[] {
  const items: Item[] = [
    { key: `header/${task.taskId}`, taskId: task.taskId, role: 'header', title: oneLine(task.title, 100), body: task.mode, subtask: Boolean(task.parentId) },
  ];
  for (const m of messages) {
    if (!m.partial) {
      items.push(renderMessage(task.taskId, m, maxOutputLines));
    }
  }
  return items;
}
