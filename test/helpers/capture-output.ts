/**
 * Captures what the process writes while a test runs: the powertools logger (its own Console on
 * process.stdout/stderr) and the global console (which vitest intercepts before any stream).
 */
import { logger } from '../../functions/common/http';

export interface CapturedOutput {
  text(): string;
  restore(): void;
}

type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export function captureOutput(level: LogLevel = 'DEBUG'): CapturedOutput {
  const chunks: string[] = [];
  const previousLevel = logger.getLevelName();
  logger.setLogLevel(level);
  const stdoutWrite = process.stdout.write;
  const stderrWrite = process.stderr.write;
  const record = (chunk: unknown) => {
    chunks.push(
      typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk),
    );
  };
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    record(chunk);
    return stdoutWrite.call(process.stdout, chunk as string, ...(rest as []));
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
    record(chunk);
    return stderrWrite.call(process.stderr, chunk as string, ...(rest as []));
  }) as typeof process.stderr.write;
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const originals = methods.map((method) => console[method]);
  for (const method of methods) {
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      record(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
      original.apply(console, args);
    };
  }
  return {
    text: () => chunks.join('\n'),
    restore() {
      process.stdout.write = stdoutWrite;
      process.stderr.write = stderrWrite;
      methods.forEach((method, index) => {
        const original = originals[index];
        if (original) console[method] = original;
      });
      logger.setLogLevel(previousLevel);
    },
  };
}
