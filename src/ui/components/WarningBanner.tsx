// The engine's warnings (the image looks out of distribution, it is a colour photo, …): shown above the
// report, prominently, and the reason the draft is marked unreliable.
interface Props {
  warnings: string[];
}

export function WarningBanner({ warnings }: Props) {
  if (warnings.length === 0) return null;
  return (
    <div className="warning-banner" role="alert" data-testid="ood-warning">
      <strong>This draft is unreliable.</strong>
      <ul>
        {warnings.map((w) => (
          <li key={w}>{w}</li>
        ))}
      </ul>
    </div>
  );
}
