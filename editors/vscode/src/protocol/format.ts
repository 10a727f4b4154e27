// Text helpers shared by the chat and background views.

/** oneLine flattens whitespace and cuts text to at most n characters. */
export function oneLine(text: unknown, n: number): string {
  const s = String(text ?? '').replace(/\s+/g, ' ').trim();
  return s.length > n ? s.slice(0, n) + '…' : s;
}

/** clipLines keeps at most max lines, saying how many were dropped. */
export function clipLines(text: string, max: number): string {
  const lines = text.split(/\r?\n/);
  if (lines.length <= max) {
    return text;
  }
  return lines.slice(0, max).join('\n') + `\n… (${lines.length - max} more lines)`;
}

function field(input: unknown, name: string): unknown {
  if (input && typeof input === 'object' && name in input) {
    return (input as Record<string, unknown>)[name];
  }
  return undefined;
}

/** toolSummary names what a tool call acts on, from its arguments. */
export function toolSummary(name: string | undefined, input: unknown): string {
  switch (name) {
    case 'new_task': {
      const where = field(input, 'background') ? 'background ' : '';
      return `${where}${String(field(input, 'mode') ?? 'code')}: ${oneLine(field(input, 'message'), 80)}`;
    }
    case 'execute_command':
      return oneLine(field(input, 'command'), 100);
    case 'search_files':
      return `${oneLine(field(input, 'regex'), 60)} in ${String(field(input, 'path') ?? '.')}`;
    case 'wait_for_background': {
      const ids = field(input, 'task_ids');
      return Array.isArray(ids) ? ids.join(', ') : 'all';
    }
  }
  const path = field(input, 'path');
  if (path !== undefined) {
    return String(path);
  }
  const question = field(input, 'question');
  return question !== undefined ? oneLine(question, 80) : '';
}

const statusLabels: Record<string, string> = {
  queued: 'queued',
  running: 'running',
  waiting: 'waiting for you',
  paused: 'paused',
  completed: 'completed',
  failed: 'failed',
  timed_out: 'timed out',
  cancelled: 'cancelled',
};

export function statusLabel(status: string): string {
  return statusLabels[status] ?? status;
}
