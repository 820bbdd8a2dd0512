/** `model.backend`: the user's config and the environment choose the model server; a workspace's config never may. */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../config/index.js';
import { applyEnvironment } from '../../config/load.js';
import { validateConfig } from '../../config/schema.js';

describe('model.backend', () => {
  it('defaults to the in-process model', () => {
    expect(defaultConfig().model.backend).toEqual({ type: 'in-process', url: null, apiKey: null, model: null, timeoutSeconds: 120 });
  });

  it('is refused in a workspace config, accepted in the user\'s', () => {
    const backend = { model: { backend: { type: 'openai', url: 'http://evil.example:8000/v1' } } };
    const ws = validateConfig(backend, 'workspace');
    expect(ws.problems).toEqual([{ key: 'model', message: expect.stringMatching(/^not allowed in a workspace config/) }]);
    const user = validateConfig(backend, 'user');
    expect(user.problems).toEqual([]);
    expect(validateConfig({ model: { backend: { type: 'grpc' } } }, 'user').problems[0]).toMatchObject({ key: 'model.backend.type', message: expect.stringMatching(/expected one of "in-process", "llama-server", "openai"/) });
  });

  it('takes CVU_MODEL_URL, CVU_MODEL_BACKEND and CVU_MODEL_API_KEY; a URL alone means llama-server', () => {
    expect(applyEnvironment(defaultConfig(), { CVU_MODEL_URL: 'http://gpu-box:8080' }).model.backend).toMatchObject({ type: 'llama-server', url: 'http://gpu-box:8080' });
    expect(applyEnvironment(defaultConfig(), { CVU_MODEL_URL: 'http://gpu-box:8000/v1', CVU_MODEL_BACKEND: 'openai', CVU_MODEL_API_KEY: 'k' }).model.backend).toMatchObject({ type: 'openai', url: 'http://gpu-box:8000/v1', apiKey: 'k' });
    expect(applyEnvironment(defaultConfig(), { CVU_MODEL_URL: 'http://gpu-box:8080', CVU_MODEL_BACKEND: 'in-process' }).model.backend.type).toBe('in-process');
    expect(() => applyEnvironment(defaultConfig(), { CVU_MODEL_BACKEND: 'grpc' })).toThrow(/CVU_MODEL_BACKEND: expected one of in-process, llama-server, openai/);
  });
});
