// Locating the agentls binary from the agentls.path setting.
import * as fs from 'fs';
import * as path from 'path';

function executable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) {
      return false;
    }
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * findBinary resolves setting (a path, or a command name looked up on
 * PATH) to an executable file. It returns the file, or an error message
 * that says what was tried and how to fix it.
 */
export function findBinary(setting: string | undefined, env: NodeJS.ProcessEnv, cwd: string): { file?: string; error?: string } {
  const name = (setting ?? '').trim() || 'agentls';
  const isWindows = process.platform === 'win32';
  const exts = isWindows ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';')] : [''];
  if (name.includes('/') || name.includes(path.sep)) {
    const file = path.resolve(cwd, name.startsWith('~/') ? path.join(env.HOME ?? '', name.slice(2)) : name);
    for (const ext of exts) {
      if (executable(file + ext)) {
        return { file: file + ext };
      }
    }
    return { error: `agentls binary not found or not executable: ${file}. Set "agentls.path" to the agentls binary.` };
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) {
      continue;
    }
    for (const ext of exts) {
      const file = path.join(dir, name + ext);
      if (executable(file)) {
        return { file };
      }
    }
  }
  return {
    error: `agentls binary "${name}" not found on PATH. Install it (go install github.com/agentls/agentls@latest) or set "agentls.path" to its location.`,
  };
}
