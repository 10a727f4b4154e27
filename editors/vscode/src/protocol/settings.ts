// Mapping of the extension's settings (agentls.*) to initializationOptions.
import { InitializationOptions } from './types';

/** Settings mirrors the agentls.* configuration section. */
export interface Settings {
  path?: string;
  model?: { provider?: string; name?: string; baseURL?: string; apiKeyEnv?: string; script?: string };
  background?: { maxConcurrent?: number; timeoutSeconds?: number };
  autoApprove?: string[];
  dataDir?: string;
}

const groups = new Set(['read', 'edit', 'command']);
const providers = new Set(['openai', 'anthropic', 'script']);

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/**
 * initializationOptions builds the server's options from settings. Empty
 * values are left out so that the server's flags and environment apply.
 * Problems are returned, naming the setting, rather than sent to fail.
 */
export function initializationOptions(s: Settings): { options: InitializationOptions; problems: string[] } {
  const options: InitializationOptions = {};
  const problems: string[] = [];
  const model: NonNullable<InitializationOptions['model']> = {};
  const provider = text(s.model?.provider);
  if (provider !== undefined) {
    if (providers.has(provider)) {
      model.provider = provider;
    } else {
      problems.push(`agentls.model.provider: unknown provider ${JSON.stringify(provider)} (openai, anthropic, script)`);
    }
  }
  for (const key of ['name', 'baseURL', 'apiKeyEnv', 'script'] as const) {
    const v = text(s.model?.[key]);
    if (v !== undefined) {
      model[key] = v;
    }
  }
  if (Object.keys(model).length > 0) {
    options.model = model;
  }
  const bg: NonNullable<InitializationOptions['background']> = {};
  const limits = { maxConcurrent: [1, 32], timeoutSeconds: [1, 3600] } as const;
  for (const key of ['maxConcurrent', 'timeoutSeconds'] as const) {
    const v = s.background?.[key];
    if (v === undefined || v === null) {
      continue;
    }
    const [lo, hi] = limits[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
      problems.push(`agentls.background.${key}: expected a whole number from ${lo} to ${hi}, got ${JSON.stringify(v)}`);
    } else {
      bg[key] = v;
    }
  }
  if (Object.keys(bg).length > 0) {
    options.background = bg;
  }
  if (s.autoApprove !== undefined && s.autoApprove !== null) {
    if (!Array.isArray(s.autoApprove)) {
      problems.push('agentls.autoApprove: expected a list of groups (read, edit, command)');
    } else {
      const bad = s.autoApprove.filter((g) => !groups.has(g));
      if (bad.length > 0) {
        problems.push(`agentls.autoApprove: unknown group ${JSON.stringify(bad[0])} (read, edit, command)`);
      } else {
        options.autoApprove = [...new Set(s.autoApprove)];
      }
    }
  }
  const dataDir = text(s.dataDir);
  if (dataDir !== undefined) {
    options.dataDir = dataDir;
  }
  return { options, problems };
}
