// End-to-end tests: the protocol modules against the real agentls binary
// (AGENTLS_BIN) with the script model provider.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { call, start, status, until } from './helpers';

const T = { timeout: 30000 };

const demoScript = {
  conversations: [
    {
      match: '^Tour this project',
      turns: [
        { text: 'Let me look at the workspace first.', toolCalls: [call('list_files', { path: '.', recursive: true })] },
        {
          text: 'A background task summarises the README while a subtask documents main.go.',
          toolCalls: [
            call('new_task', { mode: 'ask', message: 'Summarise README.md in one line', background: true }),
            call('new_task', { mode: 'code', message: 'Document what main.go prints in NOTES.md' }),
          ],
        },
        { toolCalls: [call('wait_for_background')] },
        { text: 'Everything is in place.', toolCalls: [call('attempt_completion', { result: 'Documented and summarised.' })] },
      ],
    },
    {
      match: '^Summarise README',
      turns: [
        { toolCalls: [call('read_file', { path: 'README.md' })] },
        { toolCalls: [call('attempt_completion', { result: 'A tiny Go program that greets the world.' })] },
      ],
    },
    {
      match: '^Document what main.go prints',
      turns: [
        { text: 'Reading main.go.', toolCalls: [call('read_file', { path: 'main.go' })] },
        { toolCalls: [call('write_to_file', { path: 'NOTES.md', content: '# Notes\n\nmain.go prints hello.\n' })] },
        { toolCalls: [call('attempt_completion', { result: 'documented in NOTES.md' })] },
      ],
    },
  ],
};

const demoFiles = {
  'README.md': '# hello\n\nA tiny Go program that greets the world.\n',
  'main.go': 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n',
};

test('a delegating task with a background subtask runs end to end', T, async () => {
  const h = await start(demoScript, demoFiles);
  try {
    h.answers.push({ title: 'Approve' });
    const id = await h.session.start('Tour this project and document it');
    await until(h, 'the task to complete', () => status(h, id) === 'completed');

    const md = h.session.chat.markdown();
    assert.match(md, /^## Tour this project and document it \(code\)$/m);
    assert.match(md, /^### Subtask: Document what main\.go prints in NOTES\.md \(code\)$/m);
    assert.match(md, /^- `new_task background ask: Summarise README\.md in one line` — ✓$/m);
    assert.match(md, /^- `write_to_file NOTES\.md` — ✓$/m);
    assert.match(md, /^\*\*Completed:\*\* Documented and summarised\.$/m);
    // Streamed chunks update one item: the text is there once, not streaming.
    const texts = h.session.chat.snapshot().filter((i) => i.role === 'assistant' && i.body.startsWith('Let me look'));
    assert.equal(texts.length, 1);
    assert.equal(texts[0].body, 'Let me look at the workspace first.');
    assert.equal(texts[0].streaming, undefined);

    // The parent was paused under its foreground child, then resumed.
    assert.ok(h.states.some((s) => s.task.taskId === id && s.task.status === 'paused'));
    const child = h.states.find((s) => s.task.parentId === id && !s.task.background);
    assert.deepEqual(child?.stack, [id, child?.task.taskId]);
    assert.deepEqual(h.session.chat.foregroundStack(), []);

    // One approval, for the write, with both actions.
    assert.equal(h.prompts.length, 1);
    assert.match(h.prompts[0].message, /NOTES\.md/);
    assert.deepEqual(h.prompts[0].actions?.map((a) => a.title), ['Approve', 'Deny']);
    assert.equal(fs.readFileSync(path.join(h.root, 'NOTES.md'), 'utf8'), '# Notes\n\nmain.go prints hello.\n');

    // The background outcome arrived as an Info notice tied to its task.
    await until(h, 'the outcome notice', () => h.notices.length > 0);
    const notice = h.notices[0];
    assert.equal(notice.type, 3);
    assert.match(notice.message, /Summarise README\.md in one line/);
    assert.equal(notice.task?.title, 'Summarise README.md in one line');
    assert.equal(notice.task?.result, 'A tiny Go program that greets the world.');

    // $/progress: begin with the title, end with the outcome.
    const tokens = new Set(h.progress.map((p) => p.token));
    assert.equal(tokens.size, 1);
    assert.equal(h.progress[0].value.kind, 'begin');
    assert.equal(h.progress[0].value.title, 'Summarise README.md in one line');
    assert.equal(h.progress[h.progress.length - 1].value.kind, 'end');

    const bg = await h.session.refreshBackground();
    assert.deepEqual(bg.map((t) => [t.title, t.status, t.background]), [['Summarise README.md in one line', 'completed', true]]);
    const hist = await h.session.history();
    assert.deepEqual(hist.map((t) => t.title).sort(), ['Document what main.go prints in NOTES.md', 'Tour this project and document it']);
  } finally {
    assert.equal(await h.stop(), 0);
  }
});

const writeScript = {
  conversations: [
    {
      match: '^Write (\\w+)',
      turns: [
        { toolCalls: [call('write_to_file', { path: 'OUT.md', content: 'written\n' })] },
        { toolCalls: [call('attempt_completion', { result: 'finished' })] },
      ],
    },
  ],
};

function toolStatus(h: Awaited<ReturnType<typeof start>>, taskId: string, name: string): string | undefined {
  return h.session.chat.snapshot().find((i) => i.taskId === taskId && i.role === 'tool' && i.title?.startsWith(name))?.status;
}

test('an approved write runs, a denied or unanswered one does not', T, async () => {
  const h = await start(writeScript);
  try {
    const out = path.join(h.root, 'OUT.md');
    h.answers.push({ title: 'Deny' });
    const denied = await h.session.start('Write once');
    await until(h, 'the denied task to finish', () => status(h, denied) === 'completed');
    assert.equal(toolStatus(h, denied, 'write_to_file'), 'denied');
    assert.equal(fs.existsSync(out), false);

    h.answers.push(new Error('the dialog failed'));
    const failed = await h.session.start('Write twice');
    await until(h, 'the second task to finish', () => status(h, failed) === 'completed');
    assert.equal(toolStatus(h, failed, 'write_to_file'), 'denied');
    assert.equal(fs.existsSync(out), false);

    h.answers.push({ title: 'Approve' });
    const approved = await h.session.start('Write thrice');
    await until(h, 'the approved task to finish', () => status(h, approved) === 'completed');
    assert.equal(toolStatus(h, approved, 'write_to_file'), 'done');
    assert.equal(fs.readFileSync(out, 'utf8'), 'written\n');
    assert.equal(h.prompts.length, 3);
  } finally {
    await h.stop();
  }
});

test('background tasks are listed and cancelled', T, async () => {
  const h = await start({
    conversations: [
      {
        match: '^Start slow',
        turns: [
          { toolCalls: [call('new_task', { mode: 'ask', message: 'Slow scan', background: true })] },
          { toolCalls: [call('ask_followup_question', { question: 'Keep going?', suggestions: ['yes'] })] },
        ],
      },
      { match: '^Slow scan', turns: [{ delayMs: 120000, toolCalls: [call('attempt_completion', { result: 'too late' })] }] },
    ],
  });
  try {
    const parent = await h.session.start('Start slow work');
    await until(h, 'the parent to wait for an answer', () => status(h, parent) === 'waiting');
    const question = h.session.chat.snapshot().find((i) => i.role === 'question');
    assert.deepEqual([question?.body, question?.suggestions], ['Keep going?', ['yes']]);
    // Starting the background task refreshed the model.
    await until(h, 'the background task to be listed', () => h.session.background.active().length === 1);
    const [bg] = await h.session.refreshBackground();
    assert.equal(bg.title, 'Slow scan');
    assert.ok(bg.status === 'running' || bg.status === 'queued', bg.status);
    assert.equal(bg.parentId, parent);

    await h.session.cancelBackground(bg.taskId);
    // Cancellation reaches the task asynchronously; background/list shows it.
    for (let i = 0; i < 100 && h.session.background.get(bg.taskId)?.status !== 'cancelled'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      await h.session.refreshBackground();
    }
    assert.equal(h.session.background.get(bg.taskId)?.status, 'cancelled');
    assert.equal(h.session.background.active().length, 0);

    assert.equal(await h.session.cancel(), true);
    await until(h, 'the parent to be cancelled', () => status(h, parent) === 'cancelled');
    assert.deepEqual(h.session.chat.foregroundStack(), []);
    assert.equal(h.notices.filter((n) => n.type === 3).length, 0, 'a cancelled task is no completion');
  } finally {
    await h.stop();
  }
});

test('outcomes of two background tasks with the same title go to the right task', T, async () => {
  // Both messages start with the same line, so both tasks are titled
  // "Scan the tree"; the second line picks each one's conversation.
  const h = await start({
    conversations: [
      {
        match: '^Delegate twice',
        turns: [
          {
            toolCalls: [
              call('new_task', { mode: 'ask', message: 'Scan the tree\nalpha', background: true }),
              call('new_task', { mode: 'ask', message: 'Scan the tree\nbeta', background: true }),
            ],
          },
          { toolCalls: [call('ask_followup_question', { question: 'Both started?' })] },
        ],
      },
      { match: '^Scan the tree\nalpha', turns: [{ delayMs: 400, toolCalls: [call('attempt_completion', { result: 'alpha result' })] }] },
      { match: '^Scan the tree\nbeta', turns: [{ toolCalls: [call('list_files', { path: '.' })] }, { error: 'beta broke' }] },
    ],
  });
  try {
    const parent = await h.session.start('Delegate twice');
    await until(h, 'the parent to wait for an answer', () => status(h, parent) === 'waiting');
    await until(h, 'both outcomes', () => h.notices.filter((n) => n.type === 3 || n.type === 1).length === 2);
    const tasks = await h.session.refreshBackground();
    assert.deepEqual(tasks.map((t) => t.title), ['Scan the tree', 'Scan the tree']);
    const done = h.notices.find((n) => n.type === 3)!;
    const failed = h.notices.find((n) => n.type === 1)!;
    assert.match(done.message, /^Background task "Scan the tree" completed: alpha result$/);
    assert.match(failed.message, /^Background task "Scan the tree" failed: .*beta broke/);
    assert.ok(done.taskId && failed.taskId && done.taskId !== failed.taskId, 'the server names both tasks');
    assert.equal(done.task?.taskId, done.taskId);
    assert.equal(done.task?.result, 'alpha result');
    assert.equal(failed.task?.taskId, failed.taskId);
    assert.equal(failed.task?.status, 'failed');
    assert.match(failed.task?.error ?? '', /beta broke/);
    assert.equal(await h.session.cancel(), true);
    await until(h, 'the parent to be cancelled', () => status(h, parent) === 'cancelled');
  } finally {
    await h.stop();
  }
});

test('a background outcome reaches the parent and a reply continues it', T, async () => {
  const h = await start(
    {
      conversations: [
        {
          match: '^Delegate',
          turns: [
            { toolCalls: [call('new_task', { mode: 'ask', message: 'Count the files', background: true })] },
            { toolCalls: [call('ask_followup_question', { question: 'Go on?' })] },
            { toolCalls: [call('attempt_completion', { result: 'delegated' })] },
          ],
        },
        { match: '^Count the files', turns: [{ delayMs: 5000, toolCalls: [call('attempt_completion', { result: 'never' })] }] },
      ],
    },
    {},
    { background: { timeoutSeconds: 1 } },
  );
  try {
    const id = await h.session.start('Delegate counting');
    await until(h, 'the parent to wait', () => status(h, id) === 'waiting');
    await until(h, 'the timeout warning', () => h.notices.some((n) => n.type === 2));
    const warning = h.notices.find((n) => n.type === 2)!;
    assert.match(warning.message, /Count the files/);
    assert.equal(warning.task?.status, 'timed_out');

    await h.session.reply('yes');
    await until(h, 'the parent to complete', () => status(h, id) === 'completed');
    const bg = h.session.chat.snapshot().find((i) => i.role === 'background');
    assert.equal(bg?.title, 'Count the files');
    assert.equal(bg?.status, 'timed_out');
    assert.match(h.session.chat.markdown(), /^\*\*You:\*\* yes$/m);
  } finally {
    await h.stop();
  }
});

test('a stored task is shown and resumed', T, async () => {
  const h = await start({
    conversations: [
      {
        match: '^Resumable',
        turns: [
          { toolCalls: [call('ask_followup_question', { question: 'Later?' })] },
          { toolCalls: [call('attempt_completion', { result: 'resumed fine' })] },
        ],
      },
    ],
  });
  try {
    const id = await h.session.start('Resumable job');
    await until(h, 'the question', () => status(h, id) === 'waiting');
    await h.session.cancel();
    await until(h, 'the cancel', () => status(h, id) === 'cancelled');
    const stored = await h.session.get(id);
    assert.equal(stored.task.status, 'cancelled');
    assert.ok(stored.messages.some((m) => m.kind === 'question' && m.text === 'Later?'));
    await h.session.resume(id);
    await until(h, 'the resumed task to complete', () => status(h, id) === 'completed');
    assert.match(h.session.chat.markdown(), /^\*\*Completed:\*\* resumed fine$/m);
  } finally {
    await h.stop();
  }
});

test('a second foreground task is refused while one is active', T, async () => {
  const h = await start({
    conversations: [{ match: '^Hold', turns: [{ toolCalls: [call('ask_followup_question', { question: 'Hold on?' })] }] }],
  });
  try {
    const id = await h.session.start('Hold the stack');
    await until(h, 'the question', () => status(h, id) === 'waiting');
    await assert.rejects(h.session.start('another'), (e: { code?: number }) => e.code === -32803);
  } finally {
    await h.stop();
  }
});
