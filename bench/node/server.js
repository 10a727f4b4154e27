#!/usr/bin/env node
// The Node peer of the benchmarks: a vscode-jsonrpc server over stdio that
// answers the requests the benchmarks send and, for a task, sends the same
// notifications agentls sends for the same script (task/state, the user
// message, a pending and a done `tool` message per tool call, the
// completion, the final task/state), with the same shapes. It does only the
// wire work: no model, no tools, no persistence. It is the floor of any
// Node-based agent sidecar speaking this protocol.
//
//   cd bench/node && npm ci && node server.js
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { fileURLToPath } = require('node:url');
const { randomUUID } = require('node:crypto');
const rpc = require('vscode-jsonrpc/node');

const conn = rpc.createMessageConnection(
  new rpc.StreamMessageReader(process.stdin),
  new rpc.StreamMessageWriter(process.stdout),
);

let script = { conversations: [] };
let shutDown = false;
const tasks = [];

conn.onRequest('initialize', (params) => {
  const root = params.rootUri ? fileURLToPath(params.rootUri) : process.cwd();
  const file = params.initializationOptions?.model?.script;
  if (file) {
    script = JSON.parse(fs.readFileSync(path.resolve(root, file), 'utf8'));
  }
  return {
    serverInfo: { name: 'node-peer', version: '1.0.0' },
    capabilities: { executeCommandProvider: { commands: [] }, experimental: { agentls: { protocolVersion: 1 } } },
  };
});

conn.onRequest('shutdown', () => {
  shutDown = true;
  return null;
});
conn.onNotification('exit', () => process.exit(shutDown ? 0 : 1));

conn.onRequest('background/list', () => ({ tasks: [] }));
conn.onRequest('task/list', () => ({ tasks: tasks.slice().reverse() }));

conn.onRequest('task/start', (params) => {
  const now = new Date().toISOString();
  const info = {
    taskId: randomUUID(), title: params.text.split('\n')[0].slice(0, 80), mode: params.mode || 'code',
    background: false, status: 'running', createdAt: now, updatedAt: now,
  };
  tasks.push(info);
  // The reply goes first, then the task's notifications, as in agentls.
  setImmediate(() => run(info, params.text));
  return { taskId: info.taskId };
});

function message(kind, fields, turn) {
  const m = { id: randomUUID(), kind, ts: new Date().toISOString(), ...fields };
  if (turn) m.turn = turn;
  return m;
}

// run plays the task's conversation: every notification is queued on the
// writer at once, the way a Node server would, and only the last awaited.
async function run(info, text) {
  const taskId = info.taskId;
  const state = () => conn.sendNotification('task/state', { task: { ...info, updatedAt: new Date().toISOString() }, stack: info.status === 'running' ? [taskId] : [] });
  state();
  conn.sendNotification('task/message', { taskId, message: message('user', { text }) });
  const conv = script.conversations.find((c) => new RegExp(c.match).test(text));
  let turn = 0;
  for (const t of conv ? conv.turns : []) {
    turn++;
    if (t.text) conn.sendNotification('task/message', { taskId, message: message('text', { text: t.text }, turn) });
    let call = 0;
    for (const tc of t.toolCalls || []) {
      call++;
      const callId = `call_${turn}_${call}`;
      if (tc.name === 'attempt_completion') {
        conn.sendNotification('task/message', { taskId, message: message('completion', { callId, result: tc.arguments.result }, turn) });
        info.status = 'completed';
        info.result = tc.arguments.result;
        await state();
        return;
      }
      const tool = message('tool', { callId, name: tc.name, input: tc.arguments, status: 'pending' }, turn);
      conn.sendNotification('task/message', { taskId, message: tool });
      conn.sendNotification('task/message', { taskId, message: { ...tool, status: 'done', output: 'Todo list updated.', ts: new Date().toISOString() } });
    }
  }
  info.status = 'failed';
  info.error = 'the script ran out of turns';
  await state();
}

conn.listen();
process.stdin.on('end', () => process.exit(shutDown ? 0 : 1));
