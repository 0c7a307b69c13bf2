export async function retry<T>(fn: (attempt: number) => Promise<T>, options: { attempts: number; baseMs: number; maxMs: number; sleep: (ms: number) => Promise<void>; retryIf?: (error: unknown) => boolean }): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try { return await fn(attempt); } catch (error) {
      if (attempt >= options.attempts || !(options.retryIf?.(error) ?? true)) throw error;
      await options.sleep(Math.min(options.maxMs, options.baseMs * 2 ** (attempt - 1)));
    }
  }
}
