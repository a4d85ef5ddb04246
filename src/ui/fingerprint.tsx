// A model or text hash, shortened for reading, whole on hover.
export function Hash({ value, testId }: { value: string; testId?: string }) {
  return <code className="hash" title={value} data-testid={testId}>{value.slice(0, 16)}…</code>;
}
