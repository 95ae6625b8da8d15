// The engine's warnings (the image looks out of distribution, it is a colour photo, it looks mirrored, …): shown above
// the report, prominently, and the reason the draft is marked unreliable. A shown draft's fixes (the flip the mirror
// check offers) sit under them: one press sets the film right and drafts again.
import { FixActions, type ImageFixAction } from './FixActions';

interface Props {
  warnings: string[];
  fixes?: readonly ImageFixAction[];
}

export function WarningBanner({ warnings, fixes = [] }: Props) {
  if (warnings.length === 0) return null;
  return (
    <div className="warning-banner" role="alert" data-testid="ood-warning">
      <strong>This draft is unreliable.</strong>
      <ul>
        {warnings.map((w) => (
          <li key={w}>{w}</li>
        ))}
      </ul>
      <FixActions fixes={fixes} />
    </div>
  );
}
