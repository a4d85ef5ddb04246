// A failure the user must see: the error code, the message, and a way to dismiss it.
import type { WorkerErrorInfo } from '../worker/api.ts';

export function ErrorBox({ error, title, onDismiss }: { error: WorkerErrorInfo; title: string; onDismiss?: () => void }) {
  return (
    <div className="error-box" role="alert" data-testid="error-box" data-error-code={error.code}>
      <div className="error-box__head">
        <span className="error-box__title">{title}</span>
        <code className="error-box__code" data-testid="error-code">{error.code}</code>
        {onDismiss && (
          <button type="button" className="error-box__dismiss" onClick={onDismiss} aria-label="Dismiss error">×</button>
        )}
      </div>
      <p className="error-box__message" data-testid="error-message">{error.message}</p>
    </div>
  );
}
