// The chat webview: renders the transcript items the extension posts and
// sends prompts and replies back. Text is set with textContent only.
(function () {
  const vscode = acquireVsCodeApi();
  const log = document.getElementById('log');
  const bar = document.getElementById('bar');
  const input = document.getElementById('input');
  const send = document.getElementById('send');
  const cancel = document.getElementById('cancel');
  const startNew = document.getElementById('new');
  const marks = { pending: '…', approved: '▶', denied: '✗ denied', done: '✓', error: '✗ error' };

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function render(item) {
    const box = el('div', 'item ' + item.role + (item.subtask ? ' subtask' : ''));
    switch (item.role) {
      case 'header':
        box.appendChild(el('div', 'title', (item.subtask ? 'Subtask: ' : '') + item.title + ' (' + item.body + ')'));
        break;
      case 'tool': {
        box.appendChild(el('div', 'title', item.title + '  ' + (marks[item.status] || item.status || '')));
        if (item.body) box.appendChild(el('pre', 'output', item.body));
        break;
      }
      case 'question': {
        box.appendChild(el('div', 'body', item.body));
        const list = el('div', 'suggestions');
        (item.suggestions || []).forEach(function (s) {
          const b = el('button', 'suggestion', s);
          b.addEventListener('click', function () {
            vscode.postMessage({ type: 'send', text: s });
          });
          list.appendChild(b);
        });
        box.appendChild(list);
        break;
      }
      case 'background':
        box.appendChild(el('div', 'title', 'Background task "' + item.title + '" ' + (item.status || '')));
        if (item.body) box.appendChild(el('div', 'body', item.body));
        break;
      case 'error':
        box.appendChild(el('div', 'title', item.title));
        box.appendChild(el('div', 'body', item.body));
        break;
      case 'completion':
        box.appendChild(el('div', 'title', 'Completed'));
        box.appendChild(el('div', 'body', item.body));
        break;
      case 'user':
        box.appendChild(el('div', 'title', 'You'));
        box.appendChild(el('div', 'body', item.body));
        break;
      default:
        box.appendChild(el('div', 'body', item.body));
    }
    if (item.streaming) box.classList.add('streaming');
    return box;
  }

  window.addEventListener('message', function (ev) {
    const msg = ev.data;
    if (!msg || msg.type !== 'snapshot') return;
    const atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 20;
    log.replaceChildren.apply(log, msg.items.map(render));
    bar.textContent = msg.bar
      ? msg.bar.title + ' — ' + msg.bar.status + (msg.bar.stack.length > 1 ? '   stack: ' + msg.bar.stack.join(' › ') : '')
      : 'No task yet. Type a prompt below.';
    send.textContent = msg.canReply ? 'Reply' : 'Start';
    startNew.hidden = !msg.canReply || msg.active;
    cancel.disabled = !msg.active;
    if (atEnd) log.scrollTop = log.scrollHeight;
  });

  function submit(type) {
    const text = input.value.trim();
    if (!text) return;
    vscode.postMessage({ type: type, text: text });
    input.value = '';
  }
  send.addEventListener('click', function () {
    submit('send');
  });
  startNew.addEventListener('click', function () {
    submit('start');
  });
  cancel.addEventListener('click', function () {
    vscode.postMessage({ type: 'cancel' });
  });
  input.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      submit('send');
    }
  });
  vscode.postMessage({ type: 'ready' });
})();
