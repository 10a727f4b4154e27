// A standalone agentls client: spawns the binary and speaks JSON-RPC with
// vscode-jsonrpc over its stdio. The tests use it; so can scripts.
import { ChildProcess, spawn } from 'child_process';
import { createMessageConnection, MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { pathToFileURL } from 'url';
import { Connection } from './session';
import { InitializationOptions } from './types';

export interface SpawnOptions {
  binary: string;
  /** The workspace root. */
  root: string;
  initializationOptions?: InitializationOptions;
  /** Declare window.workDoneProgress, so background tasks report $/progress. */
  workDoneProgress?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Receives the server's stderr (logs). */
  stderr?: (chunk: string) => void;
}

export interface ProgressParams {
  token: string | number;
  value: { kind: 'begin' | 'report' | 'end'; title?: string; message?: string; percentage?: number };
}

/** asConnection adapts a vscode-jsonrpc connection to Connection. */
export function asConnection(c: MessageConnection): Connection {
  return {
    sendRequest: <R>(method: string, params: unknown) => c.sendRequest<R>(method, params),
    onNotification: (method, handler) => c.onNotification(method, handler),
    onRequest: (method, handler) => c.onRequest(method, handler as () => unknown),
  };
}

export class AgentProcess {
  readonly connection: MessageConnection;
  private readonly exited: Promise<number | null>;
  private readonly progressHandlers: ((p: ProgressParams) => void)[] = [];

  private constructor(private readonly child: ChildProcess, private readonly opts: SpawnOptions) {
    this.exited = new Promise((resolve) => child.once('exit', (code: number | null) => resolve(code)));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => opts.stderr?.(d));
    this.connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    this.connection.onRequest('window/workDoneProgress/create', () => null);
    // vscode-jsonrpc routes $/progress to per-token handlers; the tokens
    // are the server's, so take them all here.
    this.connection.onUnhandledProgress((p) => {
      for (const h of this.progressHandlers) {
        h(p as ProgressParams);
      }
    });
    this.connection.listen();
  }

  /** spawn starts the binary; call initialize next. */
  static spawn(opts: SpawnOptions): AgentProcess {
    const child = spawn(opts.binary, ['--stdio'], { cwd: opts.root, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    return new AgentProcess(child, opts);
  }

  /** onProgress registers a $/progress listener. */
  onProgress(fn: (p: ProgressParams) => void): void {
    this.progressHandlers.push(fn);
  }

  asConnection(): Connection {
    return asConnection(this.connection);
  }

  /** initialize runs the LSP handshake and returns the server's result. */
  async initialize(): Promise<any> {
    const uri = pathToFileURL(this.opts.root).toString();
    const result = await this.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: uri,
      workspaceFolders: [{ uri, name: 'workspace' }],
      capabilities: { window: { workDoneProgress: this.opts.workDoneProgress ?? true, showMessage: {} } },
      initializationOptions: this.opts.initializationOptions ?? {},
    });
    await this.connection.sendNotification('initialized', {});
    return result;
  }

  /** shutdown ends the session politely and returns the exit code. */
  async shutdown(): Promise<number | null> {
    try {
      await this.connection.sendRequest('shutdown');
      await this.connection.sendNotification('exit');
    } catch {
      this.child.kill();
    }
    const code = await this.exited;
    this.connection.dispose();
    return code;
  }

  /** kill ends the process at once. */
  kill(): void {
    this.child.kill('SIGKILL');
    this.connection.dispose();
  }
}
