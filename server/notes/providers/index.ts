import OpenAI, { AzureOpenAI } from 'openai';
import type { SummarizerConfig } from '../config';
import type { NoteCpu } from '../off-thread';
import { chatProvider } from './chat';
import { localProvider } from './local';
import type { SummarizerProvider } from './types';

/*
 * One factory for every configured summarizer. The openai clients run with maxRetries 0: the
 * retry loop in retry.ts owns retries (see there why).
 */
export function createSummarizer(config: SummarizerConfig, cpu?: NoteCpu): SummarizerProvider {
  switch (config.provider) {
    case 'local':
      return localProvider(cpu ? (raw) => cpu.structureLocally(raw) : undefined);
    case 'openai':
      return chatProvider({
        name: 'openai',
        model: config.model,
        client: new OpenAI({ apiKey: config.apiKey, baseURL: config.baseURL ?? 'https://api.openai.com/v1', timeout: config.timeoutMs, maxRetries: 0 }),
        policy: config,
        responseFormat: config.responseFormat,
      });
    case 'azure':
      return chatProvider({
        name: 'azure',
        model: config.deployment,
        client: new AzureOpenAI({ endpoint: config.endpoint, apiKey: config.apiKey, deployment: config.deployment, apiVersion: config.apiVersion, timeout: config.timeoutMs, maxRetries: 0 }),
        policy: config,
        responseFormat: config.responseFormat,
      });
    case 'compatible':
      return chatProvider({
        name: 'compatible',
        model: config.model,
        client: new OpenAI({ apiKey: config.apiKey, baseURL: config.baseURL, timeout: config.timeoutMs, maxRetries: 0 }),
        policy: config,
        responseFormat: config.responseFormat,
      });
  }
}

export type { SummarizerProvider } from './types';
