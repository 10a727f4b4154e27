// Loads the bundled extension (dist/extension.js) against a stand-in
// `vscode` module and checks that activation registers every command and
// view that package.json contributes, and nothing it does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import Module from 'module';

// anything is a callable, constructible value whose every property is
// another such value: enough for module-level uses of the vscode API.
function anything(name: string): any {
  const fn = function () {
    return anything(name + '()');
  };
  return new Proxy(fn, {
    get: (_t, prop) => (prop === Symbol.toPrimitive ? () => name : prop === 'then' ? undefined : anything(`${name}.${String(prop)}`)),
    construct: () => anything(`new ${name}`),
  });
}

test('activation registers exactly the contributed commands and views', () => {
  const root = path.resolve(__dirname, '../..');
  const bundle = path.join(root, 'dist/extension.js');
  assert.ok(fs.existsSync(bundle), 'run npm run bundle first');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

  const commands: string[] = [];
  const views: string[] = [];
  const disposable = { dispose() {} };
  // esbuild's import interop copies the module's own properties, so the
  // names the extension uses must exist up front.
  const names = ['Disposable', 'EventEmitter', 'MarkdownString', 'ThemeColor', 'ThemeIcon', 'TreeItem', 'TreeItemCollapsibleState', 'Uri', 'workspace', 'env'];
  const vscode = new Proxy(
    {
      ...Object.fromEntries(names.map((n) => [n, anything(n)])),
      commands: { registerCommand: (id: string) => (commands.push(id), disposable), executeCommand: async () => undefined },
      window: new Proxy(
        {
          registerWebviewViewProvider: (id: string) => (views.push(id), disposable),
          createTreeView: (id: string) => (views.push(id), disposable),
        },
        { get: (t: any, p) => t[p] ?? anything(`window.${String(p)}`) },
      ),
    },
    { get: (t: any, p) => t[p] ?? anything(String(p)) },
  );

  const load = (Module as any)._load;
  (Module as any)._load = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? vscode : load.call(this, request, ...rest);
  };
  try {
    const ext = require(bundle);
    const context = { subscriptions: [] as unknown[], extensionUri: anything('extensionUri') };
    ext.activate(context);
    assert.ok(context.subscriptions.length > 0);
  } finally {
    (Module as any)._load = load;
  }

  const contributed = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual([...commands].sort(), contributed);
  const contributedViews = Object.values(pkg.contributes.views as Record<string, { id: string }[]>)
    .flat()
    .map((v) => v.id)
    .sort();
  assert.deepEqual([...views].sort(), contributedViews);
  for (const c of ['agentls.startTask', 'agentls.reply', 'agentls.cancelTask', 'agentls.resumeTask', 'agentls.showBackground']) {
    assert.ok(commands.includes(c), c);
  }
});
