/** A small multi-language workspace, written by tests into a temp folder. */
export const SOURCES = {
  'src/config/parse-config.ts': `import { readFileSync } from 'node:fs';
import { validateOptions } from '../util/validate.js';

export interface ParsedConfig {
  port: number;
  retries: number;
}

/** Reads and validates the service configuration. */
export function parseConfig(path: string): ParsedConfig {
  const raw = JSON.parse(readFileSync(path, 'utf8'));
  return validateOptions(raw);
}
`,
  'src/util/validate.ts': `export function validateOptions(raw: unknown): { port: number; retries: number } {
  if (typeof raw !== 'object' || raw === null) throw new Error('config must be an object');
  const r = raw as Record<string, unknown>;
  return { port: Number(r.port ?? 8080), retries: Number(r.retries ?? 3) };
}
`,
  'src/upload/retry_upload.py': `import time


class UploadRetrier:
    """Retries failed uploads with exponential backoff."""

    def __init__(self, max_attempts=5):
        self.max_attempts = max_attempts

    def retry_failed_upload(self, upload):
        for attempt in range(self.max_attempts):
            if upload.send():
                return True
            time.sleep(2 ** attempt)
        return False
`,
  'cmd/server/main.go': `package main

import "fmt"

type HttpServer struct {
	Port int
}

func (s *HttpServer) ListenAndServe() error {
	fmt.Println("listening on", s.Port)
	return nil
}

func main() {
	s := &HttpServer{Port: 8080}
	_ = s.ListenAndServe()
}
`,
  'docs/guide.md': '# Guide\n\nRun the server with `go run ./cmd/server`.\n\n## Uploads\n\nFailed uploads are retried by the UploadRetrier.\n',
  '.env': 'API_TOKEN=super-secret-value\n',
  'node_modules/dep/index.js': 'module.exports = function dependencyCode() {}\n',
};
