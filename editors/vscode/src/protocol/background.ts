// BackgroundModel holds this session's background tasks as background/list
// reports them, and matches window/showMessage outcomes to tasks.
import { Emitter, Event } from 'vscode-jsonrpc';
import { TaskInfo, isFinal } from './types';

export class BackgroundModel {
  private tasks: TaskInfo[] = [];
  private readonly changed = new Emitter<void>();
  readonly onDidChange: Event<void> = this.changed.event;

  set(tasks: TaskInfo[]): void {
    this.tasks = Array.isArray(tasks) ? tasks : [];
    this.changed.fire();
  }

  list(): TaskInfo[] {
    return [...this.tasks];
  }

  get(id: string): TaskInfo | undefined {
    return this.tasks.find((t) => t.taskId === id);
  }

  /** active lists the queued and running tasks. */
  active(): TaskInfo[] {
    return this.tasks.filter((t) => !isFinal(t.status));
  }

  /**
   * outcomeFor finds the task an outcome message is about: the one named by
   * taskId (the server's extension) when given, else by the title the
   * message names (ambiguous when two tasks share a title): the most
   * recently updated finished task whose title it contains (the longest
   * title on a tie).
   */
  outcomeFor(message: string, taskId?: string): TaskInfo | undefined {
    if (typeof taskId === 'string' && taskId !== '') {
      return this.get(taskId);
    }
    let best: TaskInfo | undefined;
    for (const t of this.tasks) {
      // The server quotes the title Go-style (%q), which escapes quotes and
      // backslashes as JSON does.
      if (!isFinal(t.status) || !t.title || !(message.includes(t.title) || message.includes(JSON.stringify(t.title)))) {
        continue;
      }
      if (!best || t.updatedAt > best.updatedAt || (t.updatedAt === best.updatedAt && t.title.length > best.title.length)) {
        best = t;
      }
    }
    return best;
  }
}
