// Helpers for tests that run the real agentls binary.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Emitter } from 'vscode-jsonrpc';
import { AgentProcess, ProgressParams } from '../src/protocol/client';
import { AgentSession, Connection, Notice } from '../src/protocol/session';
import { InitializationOptions, MessageActionItem, ShowMessageRequestParams, TaskStateParams } from '../src/protocol/types';

export function binary(): string {
  const bin = process.env.AGENTLS_BIN;
  if (!bin) {
    throw new Error('set AGENTLS_BIN to the agentls binary (go build -o /tmp/agentls . in the repository root)');
  }
  return path.resolve(bin);
}

export interface Harness {
  root: string;
  proc: AgentProcess;
  session: AgentSession;
  notices: Notice[];
  prompts: ShowMessageRequestParams[];
  progress: ProgressParams[];
  states: TaskStateParams[];
  /** answers queues the replies to approvals; an empty queue dismisses. */
  answers: (MessageActionItem | null | Error)[];
  stop(): Promise<number | null>;
  /** poked fires when a notice, progress or state is recorded. */
  poked: Emitter<void>;
}

/** start writes a workspace with script and files and starts a session on it. */
export async function start(script: unknown, files: Record<string, string> = {}, init: InitializationOptions = {}): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentls-vscode-test-'));
  const root = path.join(dir, 'workspace');
  fs.mkdirSync(root);
  fs.writeFileSync(path.join(root, 'script.json'), JSON.stringify(script));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  let stderr = '';
  const proc = AgentProcess.spawn({
    binary: binary(),
    root,
    initializationOptions: {
      model: { provider: 'script', script: 'script.json' },
      dataDir: path.join(dir, 'data'),
      autoApprove: ['read'],
      ...init,
    },
    stderr: (s) => {
      stderr = (stderr + s).slice(-4000);
    },
  });
  const h: Harness = {
    root,
    proc,
    notices: [],
    prompts: [],
    progress: [],
    states: [],
    answers: [],
    poked: new Emitter<void>(),
    session: undefined as unknown as AgentSession,
    stop: async () => {
      h.session.dispose();
      const code = await proc.shutdown();
      fs.rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
  // A connection holds one handler per method: record task/state on the
  // way to the session's handler.
  const base = proc.asConnection();
  const conn: Connection = {
    ...base,
    onNotification: (method, handler) =>
      base.onNotification(method, (p: any) => {
        if (method === 'task/state') {
          h.states.push(p as TaskStateParams);
        }
        handler(p);
        h.poked.fire();
      }),
  };
  h.session = new AgentSession(conn, {
    approve: async (p) => {
      h.prompts.push(p);
      const a = h.answers.shift();
      if (a instanceof Error) {
        throw a;
      }
      return a ?? null;
    },
    notice: (n) => {
      h.notices.push(n);
      h.poked.fire();
    },
  });
  proc.onProgress((p) => {
    h.progress.push(p);
    h.poked.fire();
  });
  try {
    await proc.initialize();
  } catch (e) {
    proc.kill();
    throw new Error(`initialize failed: ${String(e)}\nserver stderr:\n${stderr}`);
  }
  return h;
}

/**
 * until resolves when cond holds, re-checking whenever the session's models
 * change; it fails naming what it waited for after timeoutMs.
 */
export function until(h: Harness, what: string, cond: () => boolean, timeoutMs = 15000): Promise<void> {
  return new Promise((resolve, reject) => {
    const subs = [h.session.chat.onDidChange(check), h.session.background.onDidChange(check), h.poked.event(check)];
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out waiting for ${what}\ntranscript:\n${h.session.chat.markdown()}`));
    }, timeoutMs);
    function done(): void {
      clearTimeout(timer);
      subs.forEach((s) => s.dispose());
    }
    function check(): void {
      let ok = false;
      try {
        ok = cond();
      } catch {
        ok = false;
      }
      if (ok) {
        done();
        resolve();
      }
    }
    check();
  });
}

/** status is the status of a foreground task as task/state last reported it. */
export function status(h: Harness, id: string): string | undefined {
  return h.session.chat.task(id)?.status;
}

/** call builds a script tool call. */
export function call(name: string, args: Record<string, unknown> = {}): { name: string; arguments: Record<string, unknown> } {
  return { name, arguments: args };
}
