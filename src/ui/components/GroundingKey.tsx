// How to read the underlines: how strongly the image supports each word, relative to this draft.
const sample = (g: string) => ({ ['--g' as string]: g });

export function GroundingKey() {
  return (
    <p className="grounding-key" data-testid="grounding-key">
      Underlines show how well the image supports each word, relative to this draft:{' '}
      <span className="word key-sample" style={sample('1')}>
        strong
      </span>{' '}
      ·{' '}
      <span className="word key-sample" style={sample('0.35')}>
        weaker
      </span>{' '}
      · <span className="word weak key-sample">weak, check it</span>
    </p>
  );
}
