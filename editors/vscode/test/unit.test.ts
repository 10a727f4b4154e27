// Unit tests of the protocol modules that need no server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ChatModel, renderMessage } from '../src/protocol/chat';
import { BackgroundModel } from '../src/protocol/background';
import { initializationOptions } from '../src/protocol/settings';
import { findBinary } from '../src/protocol/binary';
import { TaskInfo } from '../src/protocol/types';

function info(over: Partial<TaskInfo>): TaskInfo {
  return { taskId: 't1', title: 'Task one', mode: 'code', background: false, status: 'running', createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z', ...over };
}

test('chat: streamed text and tool updates replace their item', () => {
  const c = new ChatModel();
  c.state({ task: info({}), stack: ['t1'] });
  c.message({ taskId: 't1', message: { id: 'm1', ts: '', kind: 'text', text: 'Hel', partial: true } });
  c.message({ taskId: 't1', message: { id: 'm1', ts: '', kind: 'text', text: 'Hello there', partial: true } });
  c.message({ taskId: 't1', message: { id: 'm1', ts: '', kind: 'text', text: 'Hello there.' } });
  c.message({ taskId: 't1', message: { id: 'm2', ts: '', kind: 'tool', name: 'read_file', input: { path: 'a.go' }, status: 'pending' } });
  c.message({ taskId: 't1', message: { id: 'm2', ts: '', kind: 'tool', name: 'read_file', input: { path: 'a.go' }, status: 'done', output: 'x' } });
  const items = c.snapshot();
  assert.deepEqual(
    items.map((i) => [i.role, i.title, i.body, i.status, i.streaming]),
    [
      ['header', 'Task one', 'code', undefined, undefined],
      ['assistant', undefined, 'Hello there.', undefined, undefined],
      ['tool', 'read_file a.go', 'x', 'done', undefined],
    ],
  );
});

test('chat: a header marks each change of task; subtasks are marked', () => {
  const c = new ChatModel();
  c.state({ task: info({}), stack: ['t1'] });
  c.state({ task: info({ taskId: 't2', parentId: 't1', title: 'Child' }), stack: ['t1', 't2'] });
  c.message({ taskId: 't1', message: { id: 'a', ts: '', kind: 'user', text: 'hi' } });
  c.message({ taskId: 't2', message: { id: 'b', ts: '', kind: 'user', text: 'child hi' } });
  c.message({ taskId: 't1', message: { id: 'c', ts: '', kind: 'completion', result: 'ok' } });
  assert.deepEqual(
    c.snapshot().map((i) => [i.role, i.title ?? i.body, i.subtask]),
    [
      ['header', 'Task one', false],
      ['user', 'hi', undefined],
      ['header', 'Child', true],
      ['user', 'child hi', undefined],
      ['header', 'Task one', false],
      ['completion', 'ok', undefined],
    ],
  );
  assert.deepEqual(c.bar(), { title: 'Child', status: 'running', stack: ['Task one', 'Child'] });
  assert.equal(c.replyTarget(), 't2');
});

test('chat: the reply target falls back to the newest root task', () => {
  const c = new ChatModel();
  assert.equal(c.replyTarget(), undefined);
  c.state({ task: info({ status: 'completed' }), stack: [] });
  assert.equal(c.replyTarget(), 't1');
  assert.equal(c.active(), false);
  assert.equal(c.finished('t1'), true);
});

test('chat: items are bounded, oldest dropped first', () => {
  const c = new ChatModel({ maxItems: 3 });
  for (let i = 0; i < 10; i++) {
    c.message({ taskId: 't1', message: { id: `m${i}`, ts: '', kind: 'user', text: String(i) } });
  }
  assert.deepEqual(c.snapshot().map((i) => i.body), ['7', '8', '9']);
  // An update of a dropped message comes back as a new item, not an error.
  c.message({ taskId: 't1', message: { id: 'm0', ts: '', kind: 'user', text: 'again' } });
  assert.deepEqual(c.snapshot().map((i) => i.body), ['8', '9', 'again']);
});

test('chat: malformed notifications are ignored', () => {
  const c = new ChatModel();
  c.message({} as never);
  c.message({ taskId: 't1' } as never);
  c.state({} as never);
  assert.deepEqual(c.snapshot(), []);
});

test('chat: every kind renders', () => {
  assert.equal(renderMessage('t', { id: '1', ts: '', kind: 'tool', name: 'execute_command', input: { command: 'ls -la' }, status: 'error', output: '1\n2\n3' }, 2).body, '1\n2\n… (1 more lines)');
  assert.equal(renderMessage('t', { id: '1', ts: '', kind: 'error', text: 'nudge', reminder: true }).title, 'Reminder to the model');
  assert.deepEqual(renderMessage('t', { id: '1', ts: '', kind: 'question', text: 'q?', suggestions: ['a'] }).suggestions, ['a']);
  assert.equal(renderMessage('t', { id: '1', ts: '', kind: 'background', taskId: 'b', title: 'bg', status: 'failed' }).title, 'bg');
  assert.equal(renderMessage('t', { id: '1', ts: '', kind: 'future' }).role, 'note');
});

test('background: outcomes match by taskId, else the newest finished task by title', () => {
  const b = new BackgroundModel();
  b.set([
    info({ taskId: 'a', title: 'Scan', status: 'completed', updatedAt: '2025-01-01T00:00:01.000Z' }),
    info({ taskId: 'b', title: 'Scan', status: 'completed', updatedAt: '2025-01-01T00:00:02.000Z' }),
    info({ taskId: 'c', title: 'Scan docs', status: 'running' }),
  ]);
  assert.equal(b.outcomeFor('Background task "Scan" completed: ok')?.taskId, 'b');
  assert.equal(b.outcomeFor('something else'), undefined);
  assert.deepEqual(b.active().map((t) => t.taskId), ['c']);
  // The server's taskId wins over the title: the older of two same-titled tasks.
  assert.equal(b.outcomeFor('Background task "Scan" completed: ok', 'a')?.taskId, 'a');
  assert.equal(b.outcomeFor('Background task "Scan" completed: ok', 'gone'), undefined);
  assert.equal(b.outcomeFor('Background task "Scan" completed: ok', '')?.taskId, 'b');
  b.set([info({ taskId: 'q', title: 'say "hi"', status: 'failed' })]);
  assert.equal(b.outcomeFor('Background task "say \\"hi\\"" failed: boom')?.taskId, 'q');
});

test('settings: empty values are left out, bad ones named', () => {
  assert.deepEqual(initializationOptions({ model: { provider: '', name: ' ' }, dataDir: '' }), { options: {}, problems: [] });
  assert.deepEqual(
    initializationOptions({ model: { provider: 'script', script: 's.json' }, background: { maxConcurrent: 2, timeoutSeconds: 60 }, autoApprove: ['read', 'edit', 'read'] }),
    { options: { model: { provider: 'script', script: 's.json' }, background: { maxConcurrent: 2, timeoutSeconds: 60 }, autoApprove: ['read', 'edit'] }, problems: [] },
  );
  const { problems } = initializationOptions({ model: { provider: 'gpt' }, background: { maxConcurrent: 0 }, autoApprove: ['all'] });
  assert.equal(problems.length, 3);
  assert.match(problems[0], /agentls\.model\.provider/);
  assert.match(problems[1], /agentls\.background\.maxConcurrent/);
  assert.match(problems[2], /agentls\.autoApprove.*"all"/);
  // An empty list approves nothing and must reach the server as [].
  assert.deepEqual(initializationOptions({ autoApprove: [] }).options, { autoApprove: [] });
});

test('binary: paths and PATH lookups, with clear errors', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentls-bin-'));
  try {
    const exe = path.join(dir, 'agentls');
    fs.writeFileSync(exe, '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'plain'), '', { mode: 0o644 });
    assert.equal(findBinary(exe, {}, '/').file, exe);
    assert.equal(findBinary('./agentls', {}, dir).file, exe);
    assert.equal(findBinary('agentls', { PATH: `/nonexistent${path.delimiter}${dir}` }, '/').file, exe);
    assert.equal(findBinary('', { PATH: dir }, '/').file, exe);
    assert.match(findBinary('agentls', { PATH: '/nonexistent' }, '/').error ?? '', /not found on PATH.*agentls\.path/);
    assert.match(findBinary(path.join(dir, 'plain'), {}, '/').error ?? '', /not executable/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
