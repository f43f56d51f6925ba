import type { ReactNode } from 'react';

/**
 * One tab of the console: its heading (with a Refresh button when the panel reads the server),
 * then what went wrong (an alert) and what was done (a status line), before the panel's own body.
 * Every panel shows these in the same place, so an administrator finds them in the same place.
 */
export function Panel({
  id,
  title,
  onRefresh,
  error,
  note,
  noteTestId,
  children,
}: {
  id: string;
  title: ReactNode;
  onRefresh?: () => void;
  error?: string | null;
  note?: string | null;
  noteTestId?: string;
  children: ReactNode;
}) {
  const heading = <h2 id={`${id}-title`}>{title}</h2>;
  return (
    <section aria-labelledby={`${id}-title`}>
      {onRefresh ? (
        <div className="section-head">
          {heading}
          <button type="button" onClick={onRefresh}>
            Refresh
          </button>
        </div>
      ) : (
        heading
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {note && (
        <p role="status" data-testid={noteTestId}>
          {note}
        </p>
      )}
      {children}
    </section>
  );
}
