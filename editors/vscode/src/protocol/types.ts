// Wire types of the agentls protocol (v1), as PROTOCOL.md names them.

export type TaskStatus =
  | 'queued'
  | 'running'
  | 'waiting'
  | 'paused'
  | 'completed'
  | 'failed'
  | 'timed_out'
  | 'cancelled';

export const finalStatuses: ReadonlySet<TaskStatus> = new Set<TaskStatus>(['completed', 'failed', 'timed_out', 'cancelled']);

export function isFinal(status: TaskStatus): boolean {
  return finalStatuses.has(status);
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface TaskInfo {
  taskId: string;
  parentId?: string;
  title: string;
  mode: string;
  background: boolean;
  status: TaskStatus;
  createdAt: string;
  updatedAt: string;
  result?: string;
  error?: string;
  usage?: Usage;
}

export type ToolStatus = 'pending' | 'approved' | 'denied' | 'done' | 'error';

/** Message is flat: the fields of each kind sit beside kind. */
export interface Message {
  id: string;
  ts: string;
  kind: 'user' | 'text' | 'tool' | 'question' | 'completion' | 'background' | 'error' | string;
  text?: string;
  partial?: boolean;
  name?: string;
  input?: unknown;
  status?: string;
  output?: string;
  suggestions?: string[];
  result?: string;
  taskId?: string;
  title?: string;
  reminder?: boolean;
}

export interface TaskMessageParams {
  taskId: string;
  message: Message;
}

export interface TaskStateParams {
  task: TaskInfo;
  stack: string[];
}

export interface StartParams {
  text: string;
  mode?: string;
  title?: string;
}

export interface StartResult {
  taskId: string;
}

export interface TaskListResult {
  tasks: TaskInfo[];
}

export interface TaskGetResult {
  task: TaskInfo;
  messages: Message[];
}

/** MessageType of window/showMessage: 1 error, 2 warning, 3 info, 4 log. */
export const MessageType = { Error: 1, Warning: 2, Info: 3, Log: 4 } as const;

export interface ShowMessageParams {
  type: number;
  message: string;
  /** taskId (an agentls extension) names the background task of an outcome. */
  taskId?: string;
}

export interface MessageActionItem {
  title: string;
}

export interface ShowMessageRequestParams extends ShowMessageParams {
  actions?: MessageActionItem[];
}

export interface InitializationOptions {
  model?: {
    provider?: string;
    name?: string;
    baseURL?: string;
    apiKeyEnv?: string;
    script?: string;
  };
  background?: { maxConcurrent?: number; timeoutSeconds?: number };
  autoApprove?: string[];
  dataDir?: string;
}

/** Error codes of the protocol that a client reacts to. */
export const ErrorCodes = {
  ForegroundActive: -32803,
  InvalidParams: -32602,
  RequestCancelled: -32800,
} as const;
